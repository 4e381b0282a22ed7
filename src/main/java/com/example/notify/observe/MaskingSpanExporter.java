package com.example.notify.observe;

import com.example.notify.failure.Masking;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributeType;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Wraps the SDK's span exporter so that what Camel's tracer records cannot leak personal data or credentials:
 * camel-telemetry tags a Kafka span with the record key (here the recipient), an endpoint span with its URI
 * (SMTP user, webhook URLs whose path is the credential), its user name, and adds Camel {@code log} messages
 * and exception texts as span events. Before export: those keys are dropped, URLs keep only scheme, host and
 * port, and every other text is masked like a log line ({@link Masking}: addresses, bearer tokens, secrets).
 */
public final class MaskingSpanExporter implements SpanExporter {

    /** Attributes that carry a recipient or a login: never exported. */
    static final Set<String> DROPPED = Set.of(
            "kafka.key", "kafka.partition.key", "user.name", "user.id", "url.path", "url.query");
    /** scheme://[userinfo@]host[:port][/path][?query] */
    private static final Pattern URL = Pattern.compile(
            "\\b([a-zA-Z][a-zA-Z0-9+.-]*)://(?:[^/?#\\s@]*@)?([^/?#\\s]*)[^\\s\"']*");
    /** scheme:opaque?query (kafka:topic?brokers=…, direct:x?…): the query goes */
    private static final Pattern QUERY = Pattern.compile("\\?\\S*");

    private final SpanExporter delegate;

    public MaskingSpanExporter(SpanExporter delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        List<SpanData> masked = new ArrayList<>(spans.size());
        for (SpanData span : spans) {
            masked.add(new Masked(span));
        }
        return delegate.export(masked);
    }

    @Override
    public CompletableResultCode flush() {
        return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return delegate.shutdown();
    }

    /** A text as it may be exported: URLs reduced to scheme://host:port, queries dropped, the rest masked. */
    static String scrub(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        Matcher url = URL.matcher(text);
        String reduced = url.replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "://" + m.group(2)));
        reduced = QUERY.matcher(reduced).replaceAll("");
        return Masking.mask(reduced);
    }

    static Attributes scrub(Attributes attributes) {
        AttributesBuilder out = Attributes.builder();
        attributes.forEach((key, value) -> put(out, key, value));
        return out.build();
    }

    @SuppressWarnings("unchecked")
    private static void put(AttributesBuilder out, AttributeKey<?> key, Object value) {
        if (DROPPED.contains(key.getKey())) {
            return;
        }
        if (key.getType() == AttributeType.STRING) {
            out.put((AttributeKey<String>) key, scrub((String) value));
        } else if (key.getType() == AttributeType.STRING_ARRAY) {
            out.put((AttributeKey<List<String>>) key, ((List<String>) value).stream().map(MaskingSpanExporter::scrub).toList());
        } else {
            out.put((AttributeKey<Object>) key, value);
        }
    }

    private static final class Masked extends DelegatingSpanData {
        private final String name;
        private final Attributes attributes;
        private final List<EventData> events;

        Masked(SpanData span) {
            super(span);
            this.name = scrub(span.getName());
            this.attributes = scrub(span.getAttributes());
            List<EventData> events = new ArrayList<>(span.getEvents().size());
            for (EventData event : span.getEvents()) {
                events.add(EventData.create(event.getEpochNanos(), scrub(event.getName()), scrub(event.getAttributes()),
                        event.getTotalAttributeCount()));
            }
            this.events = events;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Attributes getAttributes() {
            return attributes;
        }

        @Override
        public int getTotalAttributeCount() {
            return Math.max(super.getTotalAttributeCount(), attributes.size());
        }

        @Override
        public List<EventData> getEvents() {
            return events;
        }
    }
}
