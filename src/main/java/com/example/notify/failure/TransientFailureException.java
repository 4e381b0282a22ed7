package com.example.notify.failure;

/** May succeed later (timeouts, 4xx SMTP replies, throttling): redelivered with backoff, then dead-lettered. */
public class TransientFailureException extends NotificationFailureException {

    /** As a route's {@code throwException} builds it: message {@code "<reason>: <text>"}. */
    public TransientFailureException(String declared) {
        this(reasonAndMessage(declared, "unavailable"));
    }

    private TransientFailureException(String[] reasonAndMessage) {
        super(reasonAndMessage[0], reasonAndMessage[1], null);
    }

    public TransientFailureException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}
