package com.example.notify.failure;

/** Retrying cannot help (bad input, rejected by the provider): dead-lettered at once. */
public class PermanentFailureException extends NotificationFailureException {

    /** As a route's {@code throwException} builds it: message {@code "<reason>: <text>"}. */
    public PermanentFailureException(String declared) {
        this(reasonAndMessage(declared, "rejected"));
    }

    private PermanentFailureException(String[] reasonAndMessage) {
        super(reasonAndMessage[0], reasonAndMessage[1], null);
    }

    public PermanentFailureException(String reason, String message) {
        super(reason, message, null);
    }

    public PermanentFailureException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}
