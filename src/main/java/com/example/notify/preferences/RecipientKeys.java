package com.example.notify.preferences;

import com.example.notify.event.NotificationEvent;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

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

    /** SHA-256 (hex) of the {@linkplain #canonicalAddress canonical} address: the same mailbox gives the same hash. */
    public static String addressHash(String email) {
        return sha256Hex(canonicalAddress(email));
    }

    /**
     * The hash as it was before canonicalisation (trimmed and lower-cased only). Equal to {@link #addressHash} for
     * every ASCII address without quotes; kept so suppressions written earlier for the others still match.
     */
    public static String legacyAddressHash(String email) {
        return sha256Hex(email.strip().toLowerCase(Locale.ROOT));
    }

    private static final Pattern DOT_ATOM = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*");

    /**
     * One spelling per mailbox, before hashing: trimmed, Unicode NFC, lower-cased (ROOT), the domain as IDNA
     * ASCII (punycode) without a trailing dot, and a quoted local part whose content is a plain dot-atom
     * unquoted ({@code "john"@x} is {@code john@x}, RFC 5321 4.1.2). Other quoted local parts keep their quotes
     * (the address policy never sends to them; they are hashed as written). Lower-casing the local part is a
     * deliberate over-match: a suppression then covers every case variant, which no mainstream provider tells apart.
     * Linear in the address length; never fails (an undecodable domain is kept lower-cased).
     */
    public static String canonicalAddress(String email) {
        String text = Normalizer.normalize(email.strip(), Normalizer.Form.NFC);
        int at = text.lastIndexOf('@');
        if (at <= 0 || at == text.length() - 1) {
            return text.toLowerCase(Locale.ROOT);
        }
        String local = text.substring(0, at);
        String domain = text.substring(at + 1);
        if (local.length() >= 2 && local.startsWith("\"") && local.endsWith("\"")) {
            String inner = local.substring(1, local.length() - 1);
            if (DOT_ATOM.matcher(inner).matches()) {
                local = inner;
            }
        }
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        String asciiDomain;
        try {
            asciiDomain = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            asciiDomain = domain;
        }
        return local.toLowerCase(Locale.ROOT) + "@" + asciiDomain.toLowerCase(Locale.ROOT);
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
