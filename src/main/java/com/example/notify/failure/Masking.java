package com.example.notify.failure;

import java.util.regex.Pattern;

/**
 * Masks what must never reach a log line, a dead-letter header or a metric label: email addresses, credentials
 * that libraries like to quote in exception messages, and URLs whose path or user info is a credential (webhook
 * URLs). Used by the log layouts too ({@link com.example.notify.observe.MaskingConverter}).
 *
 * <p>Linear in the length of the text: addresses and URLs are found by scanners that look at most a bounded
 * distance around each {@code @} or {@code ://} (the regular expression this replaces backtracked over long runs
 * of address characters); the one regular expression left has only bounded repetitions before its final run.
 */
public final class Masking {

    static final String MASK = "***";
    /** How far an address is looked for around its at-sign: an RFC 5321 local part (quoted: some more), a domain. */
    static final int MAX_LOCAL = 64;
    static final int MAX_QUOTED_LOCAL = 128;
    static final int MAX_DOMAIN = 255;

    private static final Pattern SECRET = Pattern.compile(
            "(?i)((?:password|passwd|pwd|secret|token|access_token|refresh_token|client_secret|authorization|api[_-]?key|signature)"
                    + "[\"']?[ \\t]{0,8}[=:][ \\t]{0,8}[\"']?(?:(?:bearer|basic|digest|negotiate|token)[ \\t]{1,8})?)[^\\s&\"',;}]+");
    private static final Pattern AUTH_SCHEME = Pattern.compile("(?i)\\b((?:bearer|basic|digest|negotiate)[ \\t]{1,8})[A-Za-z0-9._~+/=-]{6,}");

    private Masking() {
    }

    /**
     * {@code jane.doe@example.com} becomes {@code j***@example.com} (also internationalised, quoted and
     * percent-encoded addresses; an address literal becomes {@code [***]}); secrets after a key or an auth scheme
     * become {@code ***}; a URL keeps scheme and host, its user info and path become {@code ***}.
     */
    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = text.contains("://") ? maskUrls(text) : text;
        masked = SECRET.matcher(masked).replaceAll("$1" + MASK);
        masked = AUTH_SCHEME.matcher(masked).replaceAll("$1" + MASK);
        return maskAddresses(masked);
    }

    /** Masked and cut to at most {@code max} characters, for header values. */
    public static String maskAndTruncate(String text, int max) {
        String masked = mask(text);
        if (masked == null || masked.length() <= max) {
            return masked;
        }
        return masked.substring(0, max - 1) + "…";
    }

    // ---- URLs: scheme://[userinfo@]host[:port][/path?query#fragment] ----

    static String maskUrls(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        int from = 0;
        int sep;
        while ((sep = text.indexOf("://", from)) >= 0) {
            int authorityStart = sep + 3;
            int authorityEnd = authorityStart;
            int lastAt = -1;
            while (authorityEnd < text.length() && !endsUrl(text.charAt(authorityEnd))
                    && "/?#".indexOf(text.charAt(authorityEnd)) < 0) {
                if (text.charAt(authorityEnd) == '@') {
                    lastAt = authorityEnd;
                }
                authorityEnd++;
            }
            int pathEnd = authorityEnd;
            while (pathEnd < text.length() && !endsUrl(text.charAt(pathEnd))) {
                pathEnd++;
            }
            out.append(text, copied, authorityStart);
            if (lastAt >= 0) {
                out.append(MASK).append('@');
                out.append(text, lastAt + 1, authorityEnd);
            } else {
                out.append(text, authorityStart, authorityEnd);
            }
            int kept = keptPathEnd(text, authorityEnd, pathEnd);
            out.append(text, authorityEnd, kept);
            if (pathEnd > kept) {
                out.append(kept > authorityEnd && text.charAt(kept - 1) == '/' ? "" : String.valueOf(text.charAt(kept))).append(MASK);
            }
            copied = pathEnd;
            from = Math.max(pathEnd, authorityStart);
        }
        return copied == 0 ? text : out.append(text, copied, text.length()).toString();
    }

    /**
     * A first path segment of up to 32 letters, dots, hyphens or underscores (no digits: credentials have them)
     * stays readable, {@code /events}, {@code /services/***}; everything after it is masked.
     */
    private static int keptPathEnd(String text, int start, int end) {
        if (start >= end || text.charAt(start) != '/') {
            return start;
        }
        int j = start + 1;
        while (j < end && j - start <= 32) {
            char c = text.charAt(j);
            if (c == '/') {
                return j + 1;
            }
            if (c == '?' || c == '#') {
                return j;
            }
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_')) {
                return start;
            }
            j++;
        }
        return j == end && j - start <= 33 ? end : start;
    }

    private static boolean endsUrl(char c) {
        return Character.isWhitespace(c) || "\"'<>`{}|\\^".indexOf(c) >= 0 || c == ',' || c == ';' || c == ')';
    }

    // ---- addresses: local@domain, "quoted"@domain, local%40domain, local@[literal] ----

    static String maskAddresses(String text) {
        StringBuilder out = null;
        int copied = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            int atLength = atSignLength(text, i);
            if (atLength == 0) {
                i++;
                continue;
            }
            int localStart = localStart(text, i, copied);
            int domainStart = i + atLength;
            int domainEnd = domainEnd(text, domainStart);
            if (localStart < i && domainEnd > domainStart) {
                if (out == null) {
                    out = new StringBuilder(n);
                }
                out.append(text, copied, localStart).append(text.charAt(localStart)).append(MASK);
                out.append(text, i, domainStart);
                if (text.charAt(domainStart) == '[') {
                    out.append('[').append(MASK).append(']');
                } else {
                    out.append(text, domainStart, domainEnd);
                }
                copied = domainEnd;
                i = domainEnd;
            } else {
                i += atLength;
            }
        }
        return out == null ? text : out.append(text, copied, n).toString();
    }

    /** 1 for '@' (or the full-width '＠'), 3 for "%40", 5 for "%2540" (encoded twice); 0 otherwise. */
    private static int atSignLength(String text, int i) {
        char c = text.charAt(i);
        if (c == '@' || c == '\uFF20') {
            return 1;
        }
        if (c == '%') {
            if (text.startsWith("40", i + 1)) {
                return 3;
            }
            if (text.regionMatches(true, i + 1, "2540", 0, 4)) {
                return 5;
            }
        }
        return 0;
    }

    /** Where the local part before the at-sign at {@code at} starts; {@code at} itself when there is none. */
    private static int localStart(String text, int at, int floor) {
        if (at - 1 >= floor && text.charAt(at - 1) == '"') {
            int limit = Math.max(floor, at - 1 - MAX_QUOTED_LOCAL);
            for (int j = at - 2; j >= limit; j--) {
                if (text.charAt(j) == '"') {
                    return j;
                }
            }
        }
        int limit = Math.max(floor, at - MAX_LOCAL);
        int j = at;
        while (j > limit && isLocalChar(text.charAt(j - 1))) {
            j--;
        }
        return j;
    }

    private static boolean isLocalChar(char c) {
        return !Character.isWhitespace(c) && !Character.isSpaceChar(c) && "<>()[]{},;:\"@\uFF20\\".indexOf(c) < 0
                && !Character.isISOControl(c);
    }

    /** End of the domain after the at-sign (exclusive); {@code start} when there is none. */
    private static int domainEnd(String text, int start) {
        int n = text.length();
        if (start >= n) {
            return start;
        }
        if (text.charAt(start) == '[') {
            int limit = Math.min(n, start + 64);
            for (int j = start + 1; j < limit; j++) {
                if (text.charAt(j) == ']') {
                    return j + 1;
                }
            }
            return start;
        }
        int limit = Math.min(n, start + MAX_DOMAIN);
        int j = start;
        boolean letter = false;
        while (j < limit && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '-' || text.charAt(j) == '.')) {
            letter |= Character.isLetter(text.charAt(j));
            j++;
        }
        while (j > start && text.charAt(j - 1) == '.') {
            j--; // the full stop that ends a sentence is not part of the domain
        }
        // digits only ("events-0@1", a record location) is no mail domain; a bare IP is not one either
        return letter ? j : start;
    }
}
