package com.example.notify.signing;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Message;

/**
 * Signs an HTTP post the Standard Webhooks way (standardwebhooks.com, the scheme Svix, Zapier-style receivers
 * and several SDKs verify): {@code webhook-id}, {@code webhook-timestamp} and {@code webhook-signature}, the last
 * being {@code v1,<base64 HMAC-SHA256 of id.timestamp.body>} once per secret, space-separated. With two secrets
 * listed (a rotation), a receiver that holds either accepts the call. The HMAC is the specification's reference
 * library's; this class only chooses what is signed: an id stable across the retries of one delivery (so the
 * receiver can drop a repeat), the attempt's own time (receivers refuse old timestamps, five minutes by default),
 * and the exact body that goes out. Used by any channel that posts (the webhook channel, and its copies: the
 * header names are the protocol's, not the channel's).
 */
public class StandardWebhooksSigner {

    public static final String ID = "webhook-id";
    public static final String TIMESTAMP = "webhook-timestamp";
    public static final String SIGNATURE = "webhook-signature";

    private Clock clock = Clock.systemUTC();

    /**
     * The headers for one attempt. {@code secrets}: {@code whsec_<base64>} values separated by spaces or commas,
     * blank = none: then only {@code webhook-id} (the idempotency id is useful unsigned too).
     * {@code deliveryKey}: the (event, channel) key; its hash is the id, so no event detail is in a header.
     */
    public Map<String, String> headers(String secrets, String deliveryKey, String body) {
        Map<String, String> headers = new LinkedHashMap<>();
        String id = "msg_" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(deliveryKey));
        headers.put(ID, id);
        List<String> keys = secrets == null ? List.of() : List.of(secrets.trim().split("[\\s,]+"));
        if (keys.isEmpty() || keys.get(0).isEmpty()) {
            return headers;
        }
        long timestamp = clock.instant().getEpochSecond();
        List<String> signatures = new ArrayList<>();
        for (String key : keys) {
            try {
                signatures.add(new Webhook(key).sign(id, timestamp, body));
            } catch (WebhookSigningException | IllegalArgumentException e) {
                // the secret itself stays out of the text
                throw new IllegalStateException("webhook signing secret number " + (signatures.size() + 1)
                        + " is not a whsec_<base64> value", null);
            }
        }
        headers.put(TIMESTAMP, Long.toString(timestamp));
        headers.put(SIGNATURE, String.join(" ", signatures));
        return headers;
    }

    /**
     * Puts {@link #headers} on the message to post. The body is signed as the bytes that go out: the rendered JSON,
     * UTF-8 (not re-encoded by any default charset on the way).
     */
    public void sign(byte[] body, String secrets, String deliveryKey, Message message) {
        headers(secrets, deliveryKey, new String(body, StandardCharsets.UTF_8)).forEach(message::setHeader);
    }

    private static byte[] sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return java.util.Arrays.copyOf(digest, 18);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void setClock(Clock clock) {
        this.clock = clock;
    }
}
