package com.example.notify.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * A validated notification event: the CloudEvents attributes and the typed parts of {@code data} that the
 * routes need. Getters (not record accessors) so that Camel's simple language reads them as
 * {@code ${exchangeProperty.notifyEvent.channels}}.
 */
public final class NotificationEvent {

    private final String id;
    private final String source;
    private final String type;
    private final String subject;
    private final OffsetDateTime time;
    private final Recipient recipient;
    private final List<String> channels;
    private final String template;
    private final String locale;
    private final Map<String, Object> params;
    private final String priority;
    private final JsonNode data;
    private final Contact contact;
    /** When to deliver (the {@code deliverat} extension attribute), or null: as soon as possible. */
    private OffsetDateTime deliverAt;

    NotificationEvent(String id, String source, String type, String subject, OffsetDateTime time,
                      Recipient recipient, List<String> channels, String template, String locale,
                      Map<String, Object> params, String priority, JsonNode data) {
        this(id, source, type, subject, time, recipient, channels, template, locale, params, priority, data, null);
    }

    private NotificationEvent(String id, String source, String type, String subject, OffsetDateTime time,
                              Recipient recipient, List<String> channels, String template, String locale,
                              Map<String, Object> params, String priority, JsonNode data, Contact contact) {
        this.id = id;
        this.source = source;
        this.type = type;
        this.subject = subject;
        this.time = time;
        this.recipient = recipient;
        this.channels = List.copyOf(channels);
        this.template = template;
        this.locale = locale;
        this.params = Map.copyOf(params);
        this.priority = priority;
        this.data = data;
        this.contact = contact;
    }

    /**
     * This event with the directory's contact: the contact's address and name win, what the event says inline
     * only fills gaps (a producer naming a contact cannot send that contact's notification elsewhere, and the
     * contact's opt-outs apply to what is sent); the event's locale wins over the contact's (it is about this
     * notification), the contact brings opt-outs and further fields.
     */
    public NotificationEvent withContact(Contact found) {
        Recipient enriched = new Recipient(recipient.getContactId(),
                found.getEmail() != null ? found.getEmail() : recipient.getEmail(),
                found.getName() != null ? found.getName() : recipient.getName());
        NotificationEvent withContact = new NotificationEvent(id, source, type, subject, time, enriched, channels, template,
                locale != null ? locale : found.getLocale(), params, priority, data, found);
        withContact.deliverAt = deliverAt;
        return withContact;
    }

    /** The contact from the directory, or null when the event was not enriched (inline address). */
    public Contact getContact() {
        return contact;
    }

    public String getId() {
        return id;
    }

    public String getSource() {
        return source;
    }

    public String getType() {
        return type;
    }

    public String getSubject() {
        return subject;
    }

    /** Event time, or null when the producer did not set one. */
    public OffsetDateTime getTime() {
        return time;
    }

    public Recipient getRecipient() {
        return recipient;
    }

    public List<String> getChannels() {
        return channels;
    }

    public String getTemplate() {
        return template;
    }

    public String getLocale() {
        return locale;
    }

    public Map<String, Object> getParams() {
        return params;
    }

    /** The {@code deliverat} extension attribute: deliver at that time, not before; null = now. */
    public OffsetDateTime getDeliverAt() {
        return deliverAt;
    }

    NotificationEvent deliverAt(OffsetDateTime at) {
        this.deliverAt = at;
        return this;
    }

    public String getPriority() {
        return priority;
    }

    /** The whole {@code data} object, for field mappings that go beyond the typed parts. */
    public JsonNode getData() {
        return data;
    }

    /** CloudEvents make (source, id) unique, not id alone: two services may pick the same id. */
    public String getDedupeKey() {
        return source + '\u001f' + id;
    }

    /** Key for per-channel idempotency: a redelivered event must not deliver a channel twice. */
    public String deliveryKey(String channel) {
        return getDedupeKey() + '\u001f' + channel;
    }

    @Override
    public String toString() {
        // no recipient details: this may end up in a log line
        return "NotificationEvent[id=" + id + ", source=" + source + ", type=" + type + ", channels=" + channels + "]";
    }

    /** Who the notification is for: a contact id to look up, or an inline address. */
    public static final class Recipient {
        private final String contactId;
        private final String email;
        private final String name;

        Recipient(String contactId, String email, String name) {
            this.contactId = contactId;
            this.email = email;
            this.name = name;
        }

        public String getContactId() {
            return contactId;
        }

        public String getEmail() {
            return email;
        }

        public String getName() {
            return name;
        }

        @Override
        public String toString() {
            return "Recipient[contactId=" + contactId + ", email=" + (email == null ? null : "***") + "]";
        }
    }
}
