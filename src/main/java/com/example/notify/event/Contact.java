package com.example.notify.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A recipient as the contact directory knows them: address, name, locale, opt-outs and the fields other
 * channels (Pardot) map from. Format: docs/contacts.md.
 */
public final class Contact {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String id;
    private final String email;
    private final String name;
    private final String locale;
    private final Set<String> optOutChannels;
    private final Set<String> optOutTypes;
    private final Map<String, Object> fields;
    /** {@link #toJson} as text, made once: a contact from the directory's cache is staged with many events. */
    private volatile String jsonText;

    public Contact(String id, String email, String name, String locale, Set<String> optOutChannels,
                   Set<String> optOutTypes, Map<String, Object> fields) {
        this.id = id;
        this.email = email;
        this.name = name;
        this.locale = locale;
        this.optOutChannels = Set.copyOf(optOutChannels);
        this.optOutTypes = Set.copyOf(optOutTypes);
        this.fields = Map.copyOf(fields);
    }

    /** Reads one contact record; {@code fallbackId} is used when the record carries no id of its own. */
    public static Contact fromJson(JsonNode node, String fallbackId) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("a contact record must be a JSON object");
        }
        JsonNode optOut = node.path("optOut");
        Map<String, Object> fields = new LinkedHashMap<>();
        node.path("fields").fields().forEachRemaining(f -> {
            if (!f.getValue().isNull()) {
                fields.put(f.getKey(), f.getValue().isValueNode() ? f.getValue().asText() : MAPPER.convertValue(f.getValue(), Object.class));
            }
        });
        return new Contact(text(node, "id", fallbackId), text(node, "email", null), text(node, "name", null),
                text(node, "locale", null), strings(optOut.path("channels")), strings(optOut.path("types")), fields);
    }

    /** {@link #toJson} as JSON text (the delivery records' contact header), made once per contact. */
    public String toJsonText() {
        String text = jsonText;
        if (text == null) {
            try {
                text = MAPPER.writeValueAsString(toJson());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a contact that cannot be written as JSON", e);
            }
            jsonText = text;
        }
        return text;
    }

    /** The record {@link #fromJson} reads: how a channel stage gets the contact ingest found. */
    public JsonNode toJson() {
        var node = MAPPER.createObjectNode();
        node.put("id", id);
        node.put("email", email);
        node.put("name", name);
        node.put("locale", locale);
        var optOut = node.putObject("optOut");
        optOutChannels.forEach(optOut.putArray("channels")::add);
        optOutTypes.forEach(optOut.putArray("types")::add);
        node.set("fields", MAPPER.valueToTree(fields));
        return node;
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || value.asText().isBlank() ? fallback : value.asText();
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> values = new LinkedHashSet<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    public String getId() {
        return id;
    }

    public String getEmail() {
        return email;
    }

    public String getName() {
        return name;
    }

    public String getLocale() {
        return locale;
    }

    public Set<String> getOptOutChannels() {
        return optOutChannels;
    }

    public Set<String> getOptOutTypes() {
        return optOutTypes;
    }

    /** Further attributes (first name, company, …) for channel field mappings. */
    public Map<String, Object> getFields() {
        return fields;
    }

    @Override
    public String toString() {
        // no address or name: this may end up in a log line
        return "Contact[id=" + id + "]";
    }
}
