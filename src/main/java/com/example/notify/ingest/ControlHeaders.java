package com.example.notify.ingest;

import com.example.notify.contract.ExchangeProperties;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * {@code notify-*} record headers steer the bundle (a replay skips event-level dedupe, attempts count towards the
 * retry horizon, a contact header stands in for the lookup). On the events topic, which producers write, they are
 * the bundle's alone: every one a producer set is dropped at ingest, and a replay's {@code notify-replay-of} is
 * kept only when its {@code notify-replay-sig} is the HMAC-SHA256, under {@code notify.replay.hmac-key}, of the
 * replayed location and the record value's SHA-256 (signed by {@link com.example.notify.deadletter.DeadLetterReplay}).
 */
public class ControlHeaders {

    public static final String PREFIX = "notify-";
    public static final String REPLAY_OF = "notify-replay-of";
    public static final String REPLAY_SIG = "notify-replay-sig";
    private byte[] key;

    /** Keeps a verified replay mark, drops every other control header (void: a bean step's result would become the body). */
    public void admit(Exchange exchange) {
        Message message = exchange.getMessage();
        String replayOf = text(message.getHeader(REPLAY_OF));
        String signature = text(message.getHeader(REPLAY_SIG));
        byte[] value = exchange.getProperty(ExchangeProperties.RAW, byte[].class);
        boolean verified = replayOf != null && signature != null && isConfigured()
                && MessageDigest.isEqual(sign(replayOf, value).getBytes(StandardCharsets.US_ASCII),
                        signature.getBytes(StandardCharsets.US_ASCII));
        message.getHeaders().keySet().removeIf(name -> name.regionMatches(true, 0, PREFIX, 0, PREFIX.length()));
        if (verified) {
            message.setHeader(REPLAY_OF, replayOf);
        }
    }

    public boolean isConfigured() {
        return key != null && key.length > 0;
    }

    /** Hex HMAC-SHA256 over the location and the value's digest. */
    public String sign(String replayOf, byte[] value) {
        if (!isConfigured()) {
            throw new IllegalArgumentException("notify.replay.hmac-key is not set: a replay could not be told from a producer's record");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(replayOf.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '\n');
            mac.update(MessageDigest.getInstance("SHA-256").digest(value == null ? new byte[0] : value));
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(Object value) {
        if (value == null) {
            return null;
        }
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : value.toString();
    }

    /** Secret (property {@code notify.replay.hmac-key}); empty: no replay is honoured or can be made. */
    public void setHmacKey(String hmacKey) {
        this.key = hmacKey == null || hmacKey.isBlank() ? null : hmacKey.getBytes(StandardCharsets.UTF_8);
    }
}
