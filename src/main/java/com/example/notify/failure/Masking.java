package com.example.notify.failure;

import java.util.regex.Pattern;

/**
 * Masks what must never reach a log line, a dead-letter header or a metric label: email addresses and
 * credentials that libraries like to quote in exception messages.
 */
public final class Masking {

    private static final Pattern EMAIL = Pattern.compile(
            "([A-Za-z0-9._%+'-]{1,64})@([A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+)");
    private static final Pattern SECRET = Pattern.compile(
            "(?i)((?:password|passwd|secret|token|access_token|client_secret|authorization|api[_-]?key)"
                    + "[\"']?\\s*[=:]\\s*[\"']?(?:bearer\\s+)?)[^\\s&\"',;]+");

    private Masking() {
    }

    /** {@code jane.doe@example.com} becomes {@code j***@example.com}; secrets after a key become {@code ***}. */
    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = EMAIL.matcher(text).replaceAll(m -> m.group(1).charAt(0) + "***@" + m.group(2));
        return SECRET.matcher(masked).replaceAll("$1***");
    }

    /** Masked and cut to at most {@code max} characters, for header values. */
    public static String maskAndTruncate(String text, int max) {
        String masked = mask(text);
        if (masked == null || masked.length() <= max) {
            return masked;
        }
        return masked.substring(0, max - 1) + "…";
    }
}
