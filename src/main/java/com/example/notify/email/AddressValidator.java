package com.example.notify.email;

import com.example.notify.event.EmailSyntax;
import com.example.notify.failure.PermanentFailureException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;

/** Turns an address and display name into an {@link InternetAddress} only when it is safe to put in a header. */
public final class AddressValidator {

    public static final String INVALID_ADDRESS = "invalid-recipient-address";
    public static final String MISSING_ADDRESS = "recipient-address-missing";
    private static final int MAX_ADDRESS = 254;

    private AddressValidator() {
    }

    public static InternetAddress parse(String address, String name) {
        return parse(address, name, false);
    }

    /**
     * @param allowUtf8 whether an internationalised local part may be sent ({@code notify.email.allow-utf8-addresses}:
     *                  the relay must advertise SMTPUTF8, which the pooled sender checks per connection)
     */
    public static InternetAddress parse(String address, String name, boolean allowUtf8) {
        if (address == null || address.isBlank()) {
            throw new PermanentFailureException(MISSING_ADDRESS, "recipient has no email address");
        }
        if (hasControlCharacter(address) || (name != null && hasControlCharacter(name))) {
            throw new PermanentFailureException(INVALID_ADDRESS, "recipient address or name contains control characters");
        }
        if (address.length() > MAX_ADDRESS) {
            throw new PermanentFailureException(INVALID_ADDRESS, "recipient address is longer than " + MAX_ADDRESS);
        }
        if (!EmailSyntax.isValid(address, true)) {
            // address literals, quoted local parts, Unicode domains, bad dots and labels: never sendable by policy
            throw new PermanentFailureException(INVALID_ADDRESS, "recipient address is not a valid mailbox");
        }
        if (!allowUtf8 && !EmailSyntax.isAscii(address)) {
            throw new PermanentFailureException(INVALID_ADDRESS,
                    "recipient address is internationalised (needs SMTPUTF8), notify.email.allow-utf8-addresses is off");
        }
        try {
            InternetAddress parsed = new InternetAddress(address, true);
            parsed.validate();
            String domain = address.substring(address.lastIndexOf('@') + 1);
            if (address.indexOf('@') < 1 || !domain.contains(".") || parsed.isGroup()
                    || !parsed.getAddress().equals(address.strip())) {
                throw new AddressException("not a single mailbox with a qualified domain");
            }
            if (name != null && !name.isBlank()) {
                parsed.setPersonal(name.strip(), StandardCharsets.UTF_8.name());
            }
            return parsed;
        } catch (AddressException | UnsupportedEncodingException e) {
            // the message of AddressException quotes the address: not copied
            throw new PermanentFailureException(INVALID_ADDRESS, "recipient address is not a valid mailbox");
        }
    }

    static boolean hasControlCharacter(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
                return true;
            }
        }
        return false;
    }
}
