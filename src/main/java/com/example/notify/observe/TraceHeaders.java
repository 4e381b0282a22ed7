package com.example.notify.observe;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.serde.KafkaHeaderDeserializer;

/**
 * W3C trace context on Kafka records and exchanges.
 *
 * <p>As the Kafka component's header deserializer ({@code camel.component.kafka.header-deserializer}) it hands
 * {@code traceparent} and {@code tracestate} to Camel as text: camel-telemetry continues a trace only from
 * text headers, and camel-kafka gives every header as bytes. Other headers stay bytes, as before.
 *
 * <p>As a bean in a channel stage's lane ({@link #continueRecordTrace}) it makes each delivery record's spans
 * continue that record's trace: the batch consumer has one exchange (one span) per batch, and the lanes'
 * exchanges inherit it, so without this every delivery of a batch would join the batch's trace instead.
 */
public class TraceHeaders implements KafkaHeaderDeserializer {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    /** version-traceid-parentid-flags, lower-case hex (W3C Trace Context level 1) */
    static final Pattern VALID = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    /** Where camel-telemetry keeps an exchange's current span (SpanStorageManagerExchange). */
    static final String CAMEL_ACTIVE_SPAN = "tracing.activeSpan";

    @Override
    public Object deserialize(String key, byte[] value) {
        if (value != null && (TRACEPARENT.equalsIgnoreCase(key) || TRACESTATE.equalsIgnoreCase(key))) {
            return new String(value, StandardCharsets.UTF_8);
        }
        return value;
    }

    /** Whether a value is a well-formed traceparent (an all-zero trace or parent id is not). */
    public static boolean valid(String traceparent) {
        return traceparent != null && VALID.matcher(traceparent).matches()
                && !traceparent.startsWith("ff") && !traceparent.regionMatches(3, "00000000000000000000000000000000", 0, 32)
                && !traceparent.regionMatches(36, "0000000000000000", 0, 16);
    }

    /**
     * A lane's record with a valid {@code traceparent} leaves the batch's span behind: the next span Camel
     * starts for it (the call of deliver-record) continues the record's trace. A record without one stays in
     * the batch's trace.
     */
    public void continueRecordTrace(Exchange lane) {
        Message message = lane.getMessage();
        String traceparent = text(message, TRACEPARENT);
        text(message, TRACESTATE);
        if (valid(traceparent)) {
            lane.removeProperty(CAMEL_ACTIVE_SPAN);
        }
    }

    private static String text(Message message, String header) {
        Object value = message.getHeader(header);
        if (value instanceof byte[] bytes) {
            String text = new String(bytes, StandardCharsets.UTF_8);
            message.setHeader(header, text);
            return text;
        }
        return value instanceof String s ? s : null;
    }
}
