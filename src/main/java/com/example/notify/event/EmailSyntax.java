package com.example.notify.event;

/**
 * The address policy, as one left-to-right pass over the characters (no regular expression: the JSON Schema
 * library's own {@code format: email} backtracks and took seconds on a few tens of KB). Each character is read
 * at most twice, and nothing is read of a value longer than {@link #MAX_ADDRESS}.
 *
 * <p>Accepted: {@code local@domain} with a dot-atom local part (RFC 5322 atext; no quoted local part, no
 * comments), at most 64 characters, and a domain of at least two LDH labels (ASCII letters, digits, inner
 * hyphens; punycode {@code xn--} labels are LDH) whose last label is not all digits. Refused: address literals
 * ({@code user@[10.0.0.5]}), Unicode domains (send their punycode form), control and line-separator
 * characters. A local part with non-ASCII letters (an internationalised address, which needs SMTPUTF8 at the
 * relay) passes only when {@code allowUtf8Local} is set.
 */
public final class EmailSyntax {

    public static final int MAX_ADDRESS = 254;
    static final int MAX_LOCAL = 64;
    static final int MAX_LABEL = 63;
    private static final String ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

    private EmailSyntax() {
    }

    public static boolean isValid(CharSequence address, boolean allowUtf8Local) {
        int length = address.length();
        if (length == 0 || length > MAX_ADDRESS) {
            return false;
        }
        int at = -1;
        for (int i = 0; i < length; i++) {
            if (address.charAt(i) == '@') {
                if (at >= 0) {
                    return false;
                }
                at = i;
            }
        }
        return at > 0 && at <= MAX_LOCAL && validLocal(address, at, allowUtf8Local) && validDomain(address, at + 1, length);
    }

    /**
     * The shape the event schema's {@code format: email} asks for: one at-sign between a local part of at most
     * 64 and a domain of at most 253 characters, no white space and no list or angle-bracket syntax. The full
     * policy ({@link #isValid}) is applied at delivery, where a failure is {@code invalid-recipient-address}
     * for the channel instead of a schema violation for the whole event.
     */
    public static boolean isPlausible(CharSequence address) {
        int length = address.length();
        if (length < 3 || length > MAX_ADDRESS) {
            return false;
        }
        int at = -1;
        for (int i = 0; i < length; i++) {
            char c = address.charAt(i);
            if (c == '@') {
                if (at >= 0) {
                    return false;
                }
                at = i;
            } else if (c <= ' ' || Character.isWhitespace(c) || Character.isSpaceChar(c) || "<>,;".indexOf(c) >= 0) {
                return false;
            }
        }
        return at > 0 && at <= MAX_LOCAL && length - at - 1 >= 1 && length - at - 1 <= 253;
    }

    /** True when the address has a character outside ASCII (needs SMTPUTF8). */
    public static boolean isAscii(CharSequence address) {
        for (int i = 0; i < address.length(); i++) {
            if (address.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static boolean validLocal(CharSequence s, int end, boolean allowUtf8) {
        char previous = '.';
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (previous == '.') {
                    return false; // leading dot or two in a row
                }
            } else if (!isAtext(c) && !(allowUtf8 && isUtf8Letter(c))) {
                return false;
            }
            previous = c;
        }
        return previous != '.';
    }

    private static boolean validDomain(CharSequence s, int start, int end) {
        if (start >= end) {
            return false;
        }
        int labels = 0;
        int labelStart = start;
        boolean allDigits = true;
        for (int i = start; i <= end; i++) {
            char c = i < end ? s.charAt(i) : '.';
            if (c == '.') {
                int labelLength = i - labelStart;
                if (labelLength == 0 || labelLength > MAX_LABEL
                        || s.charAt(labelStart) == '-' || s.charAt(i - 1) == '-') {
                    return false;
                }
                labels++;
                if (i < end) {
                    labelStart = i + 1;
                    allDigits = true;
                }
            } else if (isAsciiLetterOrDigit(c) || c == '-') {
                allDigits &= c >= '0' && c <= '9';
            } else {
                return false; // '[' of an address literal, Unicode, anything else
            }
        }
        return labels >= 2 && !allDigits;
    }

    private static boolean isAtext(char c) {
        return isAsciiLetterOrDigit(c) || ATEXT_SPECIALS.indexOf(c) >= 0;
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** Non-ASCII, but not C1 controls, line/paragraph separators or other format characters. */
    private static boolean isUtf8Letter(char c) {
        return c >= 0xa0 && c != '\u2028' && c != '\u2029' && Character.getType(c) != Character.FORMAT
                && !Character.isWhitespace(c) && !Character.isSpaceChar(c);
    }
}
