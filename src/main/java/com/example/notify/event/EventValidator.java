package com.example.notify.event;

import com.example.notify.failure.InvalidEventException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Body;
import org.apache.camel.Headers;

/**
 * Turns a Kafka record into a {@link NotificationEvent} or an {@link InvalidEventException} that names every
 * field at fault. Accepts CloudEvents structured mode (the whole envelope in the value) and binary mode
 * ({@code ce_*} headers, {@code data} in the value); both are checked against the same JSON Schema.
 */
public class EventValidator {

    static final String SCHEMA_RESOURCE = "/schema/notification-event.schema.json";
    private static final String BINARY_PREFIX = "ce_";
    /** CloudEvents extension attribute: deliver at this time (RFC 3339), not before. */
    static final String DELIVER_AT = "deliverat";
    private java.time.Duration maxDeliverAhead = java.time.Duration.ofDays(30);
    private java.time.Clock clock = java.time.Clock.systemUTC();

    // field names are not canonicalized: Jackson's symbol table for them falls off a cliff past ~6,000 distinct names
    // in one document (0.4 ms for 16 KiB of names, 15 ms for 64 KiB: V1 in docs/benchmarks.md); a producer's names
    // are not worth interning
    private final ObjectMapper mapper = new ObjectMapper(JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final JsonSchema schema;
    private int maxBytes = 64 * 1024;

    public EventValidator() {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .formatAssertionsEnabled(true)
                .pathType(PathType.JSON_PATH)
                .build();
        try (InputStream in = EventValidator.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("schema not on the classpath: " + SCHEMA_RESOURCE);
            }
            // the library's format "email" is a backtracking regular expression (seconds on tens of KB) and runs
            // even when maxLength already failed: ours is one linear pass that reads nothing beyond 254 characters
            JsonMetaSchema metaSchema = JsonMetaSchema.builder(JsonMetaSchema.getV202012())
                    .format(new LinearEmailFormat())
                    .build();
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, b -> b.metaSchema(metaSchema))
                    .getSchema(in, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Largest accepted record value in bytes (property {@code notify.event.max-bytes}). */
    public void setMaxBytes(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    public NotificationEvent validate(@Body byte[] value, @Headers Map<String, Object> headers) {
        if (value == null || value.length == 0) {
            throw new InvalidEventException(InvalidEventException.MALFORMED_JSON, List.of("record value is empty"));
        }
        if (value.length > maxBytes) {
            throw new InvalidEventException(InvalidEventException.PAYLOAD_TOO_LARGE,
                    List.of("record value has " + value.length + " bytes, the limit is " + maxBytes));
        }
        JsonNode parsed = parse(value);
        ObjectNode envelope = isBinaryMode(headers) ? envelopeFromHeaders(headers, parsed) : asObject(parsed);
        List<String> problems = new ArrayList<>(extensionProblems(envelope));
        // control characters are decided here, not by the schema: its $-anchored patterns would let a trailing
        // line break through. The schema still names the other fields at fault (all its checks are linear).
        problems.addAll(ControlCharacters.problems(envelope));
        Set<String> decided = new java.util.HashSet<>();
        problems.forEach(p -> decided.add(p.substring(0, p.indexOf(':'))));
        Map<String, Integer> cut = boundForSchema(envelope);
        for (String problem : schemaProblems(envelope)) {
            int colon = problem.indexOf(':');
            if (colon > 0 && cut.containsKey(problem.substring(0, colon))) {
                // the schema saw the list cut to one above its limit: name the size the producer sent
                problem = problem.replaceFirst("found \\d+$", "found " + cut.get(problem.substring(0, colon)));
            }
            if (colon < 0 || !decided.contains(problem.substring(0, colon))) {
                problems.add(problem);
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidEventException(InvalidEventException.SCHEMA_VIOLATION, problems);
        }
        return toEvent(envelope);
    }

    /**
     * A delivery record's event (a channel stage, a retry tier): the bundle's own ingest validated it against the
     * schema before staging it, so only the size bound, the JSON and the control characters are checked again;
     * one schema run per event, not two. The delivery topics are the bundle's own (only its principal should
     * write them: k8s/README.md, Topics); a record that does not read as an event at all falls back to the full validation
     * and its error, but the schema's patterns (template, locale, address shape) are not applied again.
     */
    public NotificationEvent readStaged(@Body byte[] value, @Headers Map<String, Object> headers) {
        if (value == null || value.length == 0 || value.length > maxBytes) {
            return validate(value, headers);
        }
        try {
            JsonNode parsed = parse(value);
            ObjectNode envelope = isBinaryMode(headers) ? envelopeFromHeaders(headers, parsed) : asObject(parsed);
            if (ControlCharacters.problems(envelope).isEmpty()) {
                return toEvent(envelope);
            }
        } catch (RuntimeException e) {
            // not an event as ingest stages it: the full validation says what is wrong
        }
        return validate(value, headers);
    }

    /** The CloudEvents attributes the schema names; every other top-level attribute is an extension. */
    static final Set<String> KNOWN_ATTRIBUTES = Set.of("specversion", "id", "source", "type", "subject", "time",
            DELIVER_AT, "datacontenttype", "dataschema", "data");
    /** At most this many extension attributes (structured members or binary-mode ce_ headers). */
    static final int MAX_EXTENSIONS = 32;
    /** The schema's bounds on an extension attribute (propertyNames pattern, additionalProperties maxLength). */
    static final int MAX_EXTENSION_NAME = 20;
    static final int MAX_EXTENSION_VALUE = 256;

    /**
     * Bounds the extension attributes before the schema runs: each one becomes a header on the bundle's own records
     * and a line in its logs, and the schema library's cost and its messages grow with their number. Too many end
     * the validation at once (one problem, no schema run); an over-long name or value is named by path (a long name
     * is not printed) and taken out before the schema runs.
     */
    static List<String> extensionProblems(ObjectNode envelope) {
        int count = 0;
        List<String> problems = new ArrayList<>();
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = envelope.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> attribute = it.next();
            String name = attribute.getKey();
            if (KNOWN_ATTRIBUTES.contains(name)) {
                continue;
            }
            count++;
            // an attribute found at fault is taken out before the schema runs (the event is rejected anyway):
            // the schema's own message would print the name or value
            if (name.length() > MAX_EXTENSION_NAME) {
                problems.add("$.<extension>: extension attribute name has " + name.length() + " characters, at most "
                        + MAX_EXTENSION_NAME);
                it.remove();
            } else if (attribute.getValue().isTextual() && attribute.getValue().textValue().length() > MAX_EXTENSION_VALUE) {
                problems.add("$." + name + ": extension attribute value has " + attribute.getValue().textValue().length()
                        + " characters, at most " + MAX_EXTENSION_VALUE);
                it.remove();
            }
        }
        if (count > MAX_EXTENSIONS) {
            throw new InvalidEventException(InvalidEventException.SCHEMA_VIOLATION,
                    List.of("$: " + count + " extension attributes, at most " + MAX_EXTENSIONS));
        }
        return problems;
    }

    /** The schema's {@code maxItems} of data.channels and {@code maxProperties} of data.params (SchemaBoundsTest keeps them equal). */
    static final int MAX_CHANNELS = 8;
    static final int MAX_PARAMS = 50;

    /**
     * Cuts data.channels and data.params down to one element above the schema's limit before the schema runs: the
     * schema library's cost in the number of array items is super-linear (uniqueItems and per-item evaluation: 62 ms
     * for a 64 KiB list of channels, V1 in docs/benchmarks.md), and past the limit the event is rejected anyway (the
     * limit still fails, with the schema's own message). Only ever applied to an event that is rejected.
     */
    static Map<String, Integer> boundForSchema(ObjectNode envelope) {
        Map<String, Integer> cut = new LinkedHashMap<>();
        if (!(envelope.get("data") instanceof ObjectNode data)) {
            return cut;
        }
        if (data.get("channels") instanceof ArrayNode channels && channels.size() > MAX_CHANNELS + 1) {
            cut.put("$.data.channels", channels.size());
            while (channels.size() > MAX_CHANNELS + 1) {
                channels.remove(channels.size() - 1);
            }
        }
        if (data.get("params") instanceof ObjectNode params && params.size() > MAX_PARAMS + 1) {
            cut.put("$.data.params", params.size());
            Set<String> kept = new java.util.HashSet<>(); // retain() asks contains() once per field: a set, not a list
            java.util.Iterator<String> names = params.fieldNames();
            while (kept.size() <= MAX_PARAMS && names.hasNext()) {
                kept.add(names.next());
            }
            params.retain(kept);
        }
        return cut;
    }

    private JsonNode parse(byte[] value) {
        try {
            return mapper.readTree(value);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new InvalidEventException(InvalidEventException.MALFORMED_JSON,
                    List.of("not valid JSON" + where + ": " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode asObject(JsonNode node) {
        if (node instanceof ObjectNode object) {
            return object;
        }
        throw new InvalidEventException(InvalidEventException.SCHEMA_VIOLATION,
                List.of("$: must be a JSON object (a CloudEvent), found " + node.getNodeType().name().toLowerCase()));
    }

    static boolean isBinaryMode(Map<String, Object> headers) {
        return headers != null && headers.containsKey(BINARY_PREFIX + "specversion");
    }

    private ObjectNode envelopeFromHeaders(Map<String, Object> headers, JsonNode data) {
        ObjectNode envelope = mapper.createObjectNode();
        headers.forEach((name, value) -> {
            if (name.startsWith(BINARY_PREFIX) && value != null) {
                envelope.put(name.substring(BINARY_PREFIX.length()), headerText(value));
            }
        });
        Object contentType = headers.get("content-type");
        if (contentType != null && !envelope.has("datacontenttype")) {
            envelope.put("datacontenttype", headerText(contentType));
        }
        envelope.set("data", data);
        return envelope;
    }

    private static String headerText(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : value.toString();
    }

    private List<String> schemaProblems(JsonNode envelope) {
        Set<ValidationMessage> messages;
        try {
            messages = schema.validate(envelope);
        } catch (RuntimeException e) {
            // the schema library gave up on this input: still the producer's fault, never a reason to retry
            return List.of("$: the event could not be checked against the schema (" + e.getClass().getSimpleName() + ")");
        }
        List<String> problems = new ArrayList<>();
        messages.stream()
                .sorted(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString())
                        .thenComparing(ValidationMessage::getMessage))
                .forEach(m -> problems.add(m.getMessage()));
        for (String attribute : List.of("time", DELIVER_AT)) {
            JsonNode value = envelope.path(attribute);
            if (value.isTextual() && problems.stream().noneMatch(p -> p.startsWith("$." + attribute))) {
                try {
                    OffsetDateTime at = OffsetDateTime.parse(value.asText());
                    if (attribute.equals(DELIVER_AT) && at.toInstant().isAfter(clock.instant().plus(maxDeliverAhead))) {
                        problems.add("$.deliverat: more than " + maxDeliverAhead + " ahead (notify.schedule.max-ahead)");
                    }
                } catch (DateTimeParseException e) {
                    problems.add("$." + attribute + ": is not an RFC 3339 timestamp");
                }
            }
        }
        return problems;
    }

    private NotificationEvent toEvent(ObjectNode envelope) {
        JsonNode data = envelope.get("data");
        JsonNode recipient = data.path("recipient");
        List<String> channels = new ArrayList<>();
        // the schema demands an array of strings; should it ever be loosened, a string must still not be taken
        // for a list of its characters
        JsonNode requested = data.path("channels");
        if (!requested.isArray()) {
            throw new InvalidEventException(InvalidEventException.SCHEMA_VIOLATION, List.of("$.data.channels: must be an array"));
        }
        requested.forEach(c -> channels.add(c.textValue()));
        Map<String, Object> params = new LinkedHashMap<>();
        data.path("params").fields().forEachRemaining(f -> {
            if (!f.getValue().isNull()) {
                params.put(f.getKey(), f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString());
            }
        });
        return new NotificationEvent(
                envelope.get("id").asText(),
                envelope.get("source").asText(),
                envelope.get("type").asText(),
                text(envelope, "subject"),
                envelope.hasNonNull("time") ? OffsetDateTime.parse(envelope.get("time").asText()) : null,
                new NotificationEvent.Recipient(text(recipient, "contactId"), text(recipient, "email"),
                        text(recipient, "name")),
                channels,
                data.get("template").asText(),
                text(data, "locale"),
                params,
                data.hasNonNull("priority") ? data.get("priority").asText() : "normal",
                data).deliverAt(envelope.hasNonNull(DELIVER_AT) ? OffsetDateTime.parse(envelope.get(DELIVER_AT).asText()) : null);
    }

    /** How far ahead {@code deliverat} may lie (notify.schedule.max-ahead); an ISO-8601 duration. */
    public void setMaxDeliverAhead(String maxDeliverAhead) {
        this.maxDeliverAhead = java.time.Duration.parse(maxDeliverAhead);
    }

    void setClock(java.time.Clock clock) {
        this.clock = clock;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
