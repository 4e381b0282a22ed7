package com.example.notify.failure;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A failure that knows its dead-letter reason code. Whether it is worth retrying is told by the subclass,
 * so the error handling in routes/error-handling.camel.yaml can match on the class alone.
 */
public abstract class NotificationFailureException extends RuntimeException {

    private static final Pattern DECLARED = Pattern.compile("([a-z0-9]+(?:-[a-z0-9]+)*): (.*)", Pattern.DOTALL);

    private final String reason;

    protected NotificationFailureException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * For failures declared in a route ({@code throwException} passes one string): {@code "<reason>: <text>"}
     * gives reason and message; without such a prefix the reason is {@code fallbackReason}.
     */
    protected static String[] reasonAndMessage(String declared, String fallbackReason) {
        Matcher m = DECLARED.matcher(declared == null ? "" : declared);
        return m.matches() ? new String[] {m.group(1), m.group(2)} : new String[] {fallbackReason, declared};
    }

    /** Short, stable, kebab-case code for dead letters, status events and metrics (bounded cardinality). */
    public String reason() {
        return reason;
    }
}
