package com.example.notify.contacts;

import com.example.notify.event.Contact;

/**
 * Where contacts are looked up by id. Implementations throw {@link ContactNotFoundException} when the
 * directory does not know the id (permanent) and a
 * {@link com.example.notify.failure.TransientFailureException} when it cannot answer now. A plain Java lookup
 * (the file, the cache): the contacts API has none, route fetch-contact calls it.
 */
public interface ContactDirectory {

    Contact find(String contactId);
}
