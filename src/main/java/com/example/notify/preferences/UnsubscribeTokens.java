package com.example.notify.preferences;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One-click unsubscribe tokens (RFC 8058 links): base64url of a small binary payload — the recipient's address
 * hash, the list, the issue time and the signing key's id — followed by its HMAC-SHA256. Not forgeable without a
 * key and not enumerable (the unsalted address hash alone was both).
 *
 * <p>The recipient is the address hash, not the contact id: the suppression list is keyed by address, and the
 * mailbox that received the mail is the one that asked not to get that list again. The address never appears in
 * clear, though the hash is only pseudonymous: the token is no secret from its holder, only unforgeable.
 *
 * <p>Keys: {@code keyId:base64secret} entries, comma-separated; the first signs, all verify. Rotation puts a new
 * key first and keeps the old ones until {@code maxAge} has passed. Rejections carry a fixed reason only, never
 * the input: a token is a capability and its text belongs in no log.
 */
public final class UnsubscribeTokens {

    private static final byte VERSION = 1;
    private static final int HASH_BYTES = 32;
    private static final int MAC_BYTES = 32;
    /** Longest list name signed: a CloudEvents type or a category name. */
    public static final int MAX_LIST_BYTES = 255;
    /** Longest token text read at all; a longer one is refused before decoding. */
    public static final int MAX_TOKEN_CHARS = 512;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final int MIN_SECRET_BYTES = 16;
    /** Tokens issued this far in the future (clock skew between replicas) are still accepted. */
    private static final long FUTURE_SKEW_SECONDS = 300;

    /** What a valid token says. */
    public record Claims(String addressHash, String list, long issuedAtSeconds, String keyId) {
    }

    /** A token that is not accepted; the reason is one of a fixed vocabulary, the message never quotes input. */
    public static final class RejectedTokenException extends RuntimeException {
        private final String reason;

        RejectedTokenException(String reason) {
            // no stack trace: rejections are expected traffic, and cheap to make
            super("unsubscribe token rejected: " + reason, null, false, false);
            this.reason = reason;
        }

        /** {@code malformed}, {@code unknown-key}, {@code bad-signature}, {@code expired}. */
        public String reason() {
            return reason;
        }
    }

    private final Map<String, byte[]> keys;
    private final String signingKeyId;
    private final long maxAgeSeconds;
    private final Clock clock;

    public UnsubscribeTokens(String keySpec, Duration maxAge, Clock clock) {
        this.keys = parseKeys(keySpec);
        this.signingKeyId = keys.isEmpty() ? null : keys.keySet().iterator().next();
        this.maxAgeSeconds = maxAge.toSeconds();
        this.clock = clock;
        if (maxAgeSeconds <= 0) {
            throw new IllegalArgumentException("unsubscribe token max age must be positive");
        }
    }

    /** As configured: {@code notify.unsubscribe.secret} and {@code notify.unsubscribe.max-age-days}, the system clock. */
    public UnsubscribeTokens(String keySpec, long maxAgeDays) {
        this(keySpec, Duration.ofDays(maxAgeDays), Clock.systemUTC());
    }

    /** True when keys are configured (tokens can be issued and verified). */
    public boolean configured() {
        return signingKeyId != null;
    }

    /** A token for this address hash (64 hex) and list, signed with the first key. */
    public String issue(String addressHash, String list) {
        if (!configured()) {
            throw new IllegalStateException("no unsubscribe keys configured");
        }
        byte[] hash = HexFormat.of().parseHex(addressHash);
        byte[] listBytes = list.getBytes(StandardCharsets.UTF_8);
        if (hash.length != HASH_BYTES || listBytes.length == 0 || listBytes.length > MAX_LIST_BYTES) {
            throw new IllegalArgumentException("unsubscribe token: address hash or list of unexpected size");
        }
        byte[] keyId = signingKeyId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer payload = ByteBuffer.allocate(1 + 8 + 1 + keyId.length + HASH_BYTES + 1 + listBytes.length);
        payload.put(VERSION).putLong(clock.instant().getEpochSecond()).put((byte) keyId.length).put(keyId)
                .put(hash).put((byte) listBytes.length).put(listBytes);
        byte[] body = payload.array();
        byte[] mac = mac(keys.get(signingKeyId), body);
        byte[] token = new byte[body.length + MAC_BYTES];
        System.arraycopy(body, 0, token, 0, body.length);
        System.arraycopy(mac, 0, token, body.length, MAC_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }

    /** The claims of a valid, unexpired token signed by a listed key; otherwise {@link RejectedTokenException}. */
    public Claims verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            throw new RejectedTokenException("malformed");
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw new RejectedTokenException("malformed");
        }
        ByteBuffer in = ByteBuffer.wrap(raw);
        try {
            if (raw.length < 1 + 8 + 1 + 1 + HASH_BYTES + 1 + 1 + MAC_BYTES || in.get() != VERSION) {
                throw new RejectedTokenException("malformed");
            }
            long issued = in.getLong();
            byte[] keyIdBytes = new byte[in.get() & 0xff];
            in.get(keyIdBytes);
            byte[] hash = new byte[HASH_BYTES];
            in.get(hash);
            byte[] listBytes = new byte[in.get() & 0xff];
            in.get(listBytes);
            if (in.remaining() != MAC_BYTES || listBytes.length == 0) {
                throw new RejectedTokenException("malformed");
            }
            int bodyLength = in.position();
            byte[] key = keys.get(new String(keyIdBytes, StandardCharsets.US_ASCII));
            if (key == null) {
                throw new RejectedTokenException("unknown-key");
            }
            byte[] given = new byte[MAC_BYTES];
            in.get(given);
            byte[] body = new byte[bodyLength];
            System.arraycopy(raw, 0, body, 0, bodyLength);
            if (!MessageDigest.isEqual(mac(key, body), given)) {
                throw new RejectedTokenException("bad-signature");
            }
            long now = clock.instant().getEpochSecond();
            if (issued > now + FUTURE_SKEW_SECONDS || now - issued > maxAgeSeconds) {
                throw new RejectedTokenException("expired");
            }
            return new Claims(HexFormat.of().formatHex(hash), new String(listBytes, StandardCharsets.UTF_8), issued,
                    new String(keyIdBytes, StandardCharsets.US_ASCII));
        } catch (java.nio.BufferUnderflowException e) {
            throw new RejectedTokenException("malformed");
        }
    }

    private static byte[] mac(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /**
     * {@code keyId:base64secret[,keyId:base64secret…]}, in order; blank: none. Errors name the entry's position,
     * never its text (the text is a secret).
     */
    static Map<String, byte[]> parseKeys(String spec) {
        Map<String, byte[]> parsed = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return parsed;
        }
        String[] entries = spec.split(",");
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            int colon = entry.indexOf(':');
            String id = colon < 0 ? "" : entry.substring(0, colon);
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("unsubscribe key " + (i + 1) + ": expected keyId:base64secret, keyId of [A-Za-z0-9_-]{1,32}");
            }
            byte[] secret;
            try {
                String value = entry.substring(colon + 1).strip();
                secret = value.contains("-") || value.contains("_") ? Base64.getUrlDecoder().decode(value)
                        : Base64.getDecoder().decode(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unsubscribe key " + (i + 1) + ": the secret is not base64");
            }
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("unsubscribe key " + (i + 1) + ": the secret must be at least "
                        + MIN_SECRET_BYTES + " bytes (32 recommended)");
            }
            if (parsed.putIfAbsent(id, secret) != null) {
                throw new IllegalArgumentException("unsubscribe key " + (i + 1) + ": duplicate key id");
            }
        }
        return parsed;
    }
}
