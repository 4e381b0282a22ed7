package com.example.notify.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Kafka consumer interceptor of the events topic: an event that carries its trace context as a CloudEvents
 * extension rather than as a plain {@code traceparent} header gets that header, so that the ingest span
 * continues the producer's trace. Binary mode: the {@code ce_traceparent}/{@code ce_tracestate} headers;
 * structured mode: the top-level {@code traceparent}/{@code tracestate} attributes of the JSON value. A
 * {@code traceparent} header present wins; a malformed value is ignored (the event starts a new trace).
 */
public class CloudEventsTraceInterceptor implements ConsumerInterceptor<Object, Object> {

    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] ATTRIBUTE = "\"traceparent\"".getBytes(StandardCharsets.UTF_8);

    @Override
    public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
        for (ConsumerRecord<Object, Object> record : records) {
            adopt(record.headers(), record.value());
        }
        return records;
    }

    /** Adds {@code traceparent} (and {@code tracestate}) from the CloudEvents extension when it is missing. */
    static void adopt(Headers headers, Object value) {
        if (headers.lastHeader(TraceHeaders.TRACEPARENT) != null) {
            return;
        }
        Header binary = headers.lastHeader("ce_" + TraceHeaders.TRACEPARENT);
        if (binary != null && binary.value() != null) {
            String traceparent = new String(binary.value(), StandardCharsets.UTF_8).trim();
            if (TraceHeaders.valid(traceparent)) {
                headers.add(TraceHeaders.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
                Header state = headers.lastHeader("ce_" + TraceHeaders.TRACESTATE);
                if (state != null && state.value() != null) {
                    headers.add(TraceHeaders.TRACESTATE, state.value());
                }
            }
            return;
        }
        if (value instanceof byte[] bytes && contains(bytes, ATTRIBUTE)) {
            String[] context = structured(bytes);
            if (context != null && TraceHeaders.valid(context[0])) {
                headers.add(TraceHeaders.TRACEPARENT, context[0].getBytes(StandardCharsets.UTF_8));
                if (context[1] != null) {
                    headers.add(TraceHeaders.TRACESTATE, context[1].getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    /** The top-level traceparent and tracestate of a structured-mode CloudEvent; null if not JSON. */
    static String[] structured(byte[] json) {
        String[] context = new String[2];
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken token = parser.nextToken();
                if (token == JsonToken.VALUE_STRING && TraceHeaders.TRACEPARENT.equals(name)) {
                    context[0] = parser.getText().trim();
                } else if (token == JsonToken.VALUE_STRING && TraceHeaders.TRACESTATE.equals(name)) {
                    context[1] = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
            return context;
        } catch (IOException e) {
            return null; // not JSON: validation dead-letters it, in a trace of its own
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
