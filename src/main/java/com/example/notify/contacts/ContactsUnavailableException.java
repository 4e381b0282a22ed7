package com.example.notify.contacts;

import com.example.notify.failure.TransientFailureException;

/**
 * The contact directory cannot answer now (down, 5xx, throttling, credentials being rotated). Redelivered
 * with its own, longer backoff (notify.contacts.retry.*) so an outage slows the consumer down instead of
 * dead-lettering every event.
 */
public class ContactsUnavailableException extends TransientFailureException {

    public static final String REASON = "contacts-unavailable";

    public ContactsUnavailableException(String message, Throwable cause) {
        super(REASON, message, cause);
    }
}
