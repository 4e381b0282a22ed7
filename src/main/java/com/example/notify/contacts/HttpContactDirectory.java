package com.example.notify.contacts;

import com.example.notify.event.Contact;
import com.example.notify.failure.Masking;
import com.example.notify.failure.PermanentFailureException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * Contacts from an HTTP API: {@code GET <base url><path template with {id}>} through the
 * {@code fetch-contact} route (camel-http; base URL, auth header and timeouts are configured there). 200 → the contact record; 404 → not found;
 * 408, 429, 5xx, 401/403 (credentials being rotated) and connection failures → the API is unavailable now,
 * retried; any other status → permanent, with the status.
 */
public class HttpContactDirectory implements ContactDirectory, CamelContextAware {

    private CamelContext camelContext;
    private volatile ProducerTemplate producer;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private String pathTemplate = "/contacts/{id}";
    private String routeUri = "direct:fetch-contact";

    @Override
    public Contact find(String contactId) {
        String path = path(contactId);
        Exchange response = producer().send(routeUri, exchange -> {
            exchange.getMessage().setHeader(Exchange.HTTP_PATH, path);
            exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "GET");
        });
        if (response.getException() != null) {
            Exception e = response.getException();
            throw new ContactsUnavailableException("contacts API call failed: " + e.getClass().getSimpleName() + ": "
                    + Masking.maskAndTruncate(String.valueOf(e.getMessage()), 300), e);
        }
        int status = response.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        if (status == 200) {
            try {
                JsonNode record = MAPPER.readTree(response.getMessage().getBody(String.class));
                return Contact.fromJson(record, contactId);
            } catch (Exception e) {
                throw new PermanentFailureException("contact-record-invalid",
                        "contacts API returned an unreadable record for '" + contactId + "': " + e.getClass().getSimpleName(), e);
            }
        }
        if (status == 404) {
            throw new ContactNotFoundException(contactId);
        }
        if (status == 408 || status == 429 || status >= 500 || status == 401 || status == 403 || status == 0) {
            throw new ContactsUnavailableException("contacts API answered HTTP " + status, null);
        }
        throw new PermanentFailureException("contact-lookup-rejected", "contacts API answered HTTP " + status
                + " for '" + contactId + "'");
    }

    /** The id goes into the path encoded: an id is data, never a path or a query of its own. */
    String path(String contactId) {
        return pathTemplate.replace("{id}", URLEncoder.encode(contactId, StandardCharsets.UTF_8).replace("+", "%20"));
    }

    /** Path below the API's base URL, with {@code {id}} where the contact id goes. */
    public void setPathTemplate(String pathTemplate) {
        this.pathTemplate = pathTemplate;
    }

    public void setRouteUri(String routeUri) {
        this.routeUri = routeUri;
    }

    // on first use: the context is not started when the bean is made (a race makes one spare template, once)
    private ProducerTemplate producer() {
        ProducerTemplate p = producer;
        return p != null ? p : (producer = camelContext.createProducerTemplate());
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
