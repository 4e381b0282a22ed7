package com.example.notify.failure;

/** May succeed later (timeouts, 4xx SMTP replies, throttling): redelivered with backoff, then dead-lettered. */
public class TransientFailureException extends NotificationFailureException {

    public TransientFailureException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}
