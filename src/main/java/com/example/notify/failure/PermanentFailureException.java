package com.example.notify.failure;

/** Retrying cannot help (bad input, rejected by the provider): dead-lettered at once. */
public class PermanentFailureException extends NotificationFailureException {

    public PermanentFailureException(String reason, String message) {
        super(reason, message, null);
    }

    public PermanentFailureException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}
