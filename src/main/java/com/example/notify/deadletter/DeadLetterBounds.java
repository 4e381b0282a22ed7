package com.example.notify.deadletter;

import com.example.notify.contract.ExchangeProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * Keeps a dead letter publishable. A record near the broker's size limit, dead-lettered whole with the
 * {@code notify-dlq-*} headers added, no longer fits the producer's {@code max.request.size} (or the
 * dead-letter topic's {@code max.message.bytes}); its publish fails, the offset is not committed and the
 * partition would re-read that record forever. Such a record becomes a bounded <em>stub</em>: the first
 * {@code stubValueBytes} of its value, its location and reason headers, and its size and SHA-256, so an
 * operator can still find and compare the original (which stays on the events topic until its retention).
 */
public class DeadLetterBounds {

    public static final String TRUNCATED = DeadLetterHeaders.PREFIX + "truncated";
    public static final String ORIGINAL_SIZE = DeadLetterHeaders.PREFIX + "original-size";
    public static final String ORIGINAL_SHA256 = DeadLetterHeaders.PREFIX + "original-sha256";
    public static final String STUB_REASON = DeadLetterHeaders.PREFIX + "stub-reason";
    /** A key longer than this is replaced by its SHA-256 in a stub (keys count towards the record size). */
    static final int MAX_STUB_KEY = 256;

    private int maxRecordBytes = 1_000_000;
    private int stubValueBytes = 4096;

    /**
     * Before the publish: a dead letter whose estimated size exceeds {@code maxRecordBytes} is turned into a
     * stub at once (property {@code notify.dlq.max-record-bytes}, below the producer's max.request.size).
     */
    public void bound(Exchange exchange) {
        long size = estimatedSize(exchange);
        if (size > maxRecordBytes) {
            stub(exchange, "larger-than-" + maxRecordBytes + "-bytes");
        }
    }

    /**
     * After a publish that Kafka refused because of the record itself (too large for the producer or the topic,
     * invalid): the stub, which the dead-letter route publishes instead. A broker outage is not handled here: it
     * fails the exchange and the record is read again, as it should.
     */
    public void stubAfterRefusal(Exchange exchange) {
        Throwable refused = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        stub(exchange, "refused-" + (refused == null ? "unknown" : refused.getClass().getSimpleName()));
    }

    void stub(Exchange exchange, String why) {
        var message = exchange.getMessage();
        byte[] value = exchange.getProperty(ExchangeProperties.RAW, byte[].class);
        if (value == null) {
            value = message.getBody(byte[].class);
        }
        if (value == null) {
            value = new byte[0];
        }
        // the producer's headers may be what makes the record too large: a stub carries only ours
        message.getHeaders().keySet().removeIf(name -> !isOurs(name));
        Object key = message.getHeader(KafkaConstants.KEY);
        if (key != null && String.valueOf(key).length() > MAX_STUB_KEY) {
            message.setHeader(KafkaConstants.KEY, "sha256:" + sha256(String.valueOf(key).getBytes(StandardCharsets.UTF_8)));
        }
        message.setHeader(TRUNCATED, "true");
        message.setHeader(STUB_REASON, why);
        message.setHeader(ORIGINAL_SIZE, String.valueOf(value.length));
        message.setHeader(ORIGINAL_SHA256, sha256(value));
        message.setBody(Arrays.copyOf(value, Math.min(value.length, stubValueBytes)));
    }

    /** Record bytes the producer would send: value, key and the headers camel-kafka forwards (an upper bound). */
    static long estimatedSize(Exchange exchange) {
        var message = exchange.getMessage();
        long size = byteLength(message.getBody());
        size += byteLength(message.getHeader(KafkaConstants.KEY));
        for (Map.Entry<String, Object> h : message.getHeaders().entrySet()) {
            if (!isInternal(h.getKey())) {
                size += h.getKey().length() * 4L + byteLength(h.getValue()) + 16;
            }
        }
        return size;
    }

    private static long byteLength(Object value) {
        if (value == null) {
            return 0;
        }
        if (value instanceof byte[] bytes) {
            return bytes.length;
        }
        // at most 4 bytes per char in UTF-8: an upper bound without encoding the text
        return String.valueOf(value).length() * 4L;
    }

    /** Headers camel-kafka never writes to a record (its header filter) . */
    private static boolean isInternal(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        return lower.startsWith("camel") || lower.startsWith("org.apache.camel") || lower.startsWith("kafka.");
    }

    private static boolean isOurs(String name) {
        return isInternal(name) || name.startsWith(DeadLetterHeaders.PREFIX);
    }

    static String sha256(byte[] value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void setMaxRecordBytes(int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
    }

    public void setStubValueBytes(int stubValueBytes) {
        this.stubValueBytes = stubValueBytes;
    }
}
