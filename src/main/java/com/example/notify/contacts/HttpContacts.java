package com.example.notify.contacts;

import com.example.notify.event.Contact;
import com.example.notify.failure.Masking;
import com.example.notify.failure.PermanentFailureException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The contacts API's request and answers, as pure functions; the call itself is route {@code fetch-contact}
 * (routes/enrich-contacts.camel.yaml: camel-http; base URL, auth header and timeouts are configured there).
 * 200 → the contact record; 404 → not found; 408, 429, 5xx, 401/403 (credentials being rotated) and connection
 * failures → the API is unavailable now, retried; any other status → permanent, with the status.
 */
public class HttpContacts {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private String pathTemplate = "/contacts/{id}";

    /** The path to GET: the id goes into it encoded, as data, never a path or a query of its own. */
    public String path(String contactId) {
        return pathTemplate.replace("{id}", URLEncoder.encode(contactId, StandardCharsets.UTF_8).replace("+", "%20"));
    }

    /** The API's answer (status, body) for {@code contactId}: the contact, or the failure it means. */
    public Contact answer(Integer status, String body, String contactId) {
        int code = status == null ? 0 : status;
        if (code == 200) {
            try {
                JsonNode record = MAPPER.readTree(body == null ? "" : body);
                return Contact.fromJson(record, contactId);
            } catch (Exception e) {
                // the exception's class only: its message may quote the record (address, name)
                throw new PermanentFailureException("contact-record-invalid",
                        "contacts API returned an unreadable record for '" + contactId + "': " + e.getClass().getSimpleName(), e);
            }
        }
        if (code == 404) {
            throw new ContactNotFoundException(contactId);
        }
        if (code == 408 || code == 429 || code >= 500 || code == 401 || code == 403 || code == 0) {
            throw new ContactsUnavailableException("contacts API answered HTTP " + code, null);
        }
        throw new PermanentFailureException("contact-lookup-rejected", "contacts API answered HTTP " + code
                + " for '" + contactId + "'");
    }

    /** The call got no answer (connection refused, timeout, TLS): the API is unavailable now. */
    public void unreachable(Exception failure) {
        throw new ContactsUnavailableException("contacts API call failed: " + failure.getClass().getSimpleName() + ": "
                + Masking.maskAndTruncate(String.valueOf(failure.getMessage()), 300), failure);
    }

    /** Path below the API's base URL, with {@code {id}} where the contact id goes. */
    public void setPathTemplate(String pathTemplate) {
        this.pathTemplate = pathTemplate;
    }
}
