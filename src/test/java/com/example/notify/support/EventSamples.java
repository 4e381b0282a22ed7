package com.example.notify.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Builds test events and reads the bundle's output records. */
public final class EventSamples {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EventSamples() {
    }

    /**
     * A valid structured-mode event for {@code channels} (e.g. {@code "email","pardot"}), to an inline address
     * (no contactId: a contactId is always looked up in the directory).
     */
    public static String event(String id, String source, String... channels) {
        String list = List.of(channels).stream().map(c -> '"' + c + '"').collect(Collectors.joining(","));
        return """
                {"specversion":"1.0","id":"%s","source":"%s","type":"com.example.invoice.due",
                 "time":"2026-11-22T10:00:00Z","datacontenttype":"application/json",
                 "data":{"recipient":{"email":"jane.doe@example.com","name":"Jane Doe"},"channels":[%s],"template":"invoice-due",
                 "locale":"de-AT","params":{"amount":"12.00"},"priority":"high"}}
                """.formatted(id, source, list);
    }

    public static JsonNode json(byte[] value) {
        try {
            return MAPPER.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The status event's data, for assertions. */
    public static JsonNode statusData(ConsumerRecord<String, byte[]> record) {
        return json(record.value()).path("data");
    }

    public static boolean isStatusFor(ConsumerRecord<String, byte[]> record, String eventId) {
        return eventId.equals(statusData(record).path("eventId").asText());
    }

    public static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value());
    }
}
