package com.example.notify.contacts;

import com.example.notify.failure.PermanentFailureException;

/** The directory answered and does not know the contact: retrying will not help. */
public class ContactNotFoundException extends PermanentFailureException {

    public static final String REASON = "contact-not-found";

    public ContactNotFoundException(String contactId) {
        super(REASON, "no contact with id '" + contactId + "'");
    }
}
