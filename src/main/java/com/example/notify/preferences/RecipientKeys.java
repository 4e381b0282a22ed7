package com.example.notify.preferences;

import com.example.notify.event.NotificationEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** Recipient identities that can be kept and compared without keeping the address itself. */
public final class RecipientKeys {

    private RecipientKeys() {
    }

    // MessageDigest.getInstance searches the security providers on every call; a digest is not thread-safe
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /** SHA-256 (hex) of the address, trimmed and lower-cased: the same mailbox gives the same hash. */
    public static String addressHash(String email) {
        return sha256Hex(email.strip().toLowerCase(Locale.ROOT));
    }

    /** SHA-256 (hex) of the text's UTF-8 bytes. */
    public static String sha256Hex(String text) {
        // digest() resets the digest for the next call
        return HexFormat.of().formatHex(SHA256.get().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Who the event is for: the contact id, else the address hash, else null. */
    public static String recipientKey(NotificationEvent event) {
        NotificationEvent.Recipient recipient = event.getRecipient();
        if (recipient.getContactId() != null) {
            return "contact:" + recipient.getContactId();
        }
        return recipient.getEmail() == null ? null : "address:" + addressHash(recipient.getEmail());
    }
}
