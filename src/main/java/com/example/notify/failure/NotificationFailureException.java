package com.example.notify.failure;

/**
 * A failure that knows its dead-letter reason code. Whether it is worth retrying is told by the subclass,
 * so the error handling in routes/error-handling.camel.yaml can match on the class alone.
 */
public abstract class NotificationFailureException extends RuntimeException {

    private final String reason;

    protected NotificationFailureException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Short, stable, kebab-case code for dead letters, status events and metrics (bounded cardinality). */
    public String reason() {
        return reason;
    }
}
