package com.example.notify.status;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.NotificationEvent;
import com.example.notify.observe.TraceHeaders;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.camel.Exchange;

/**
 * Builds the CloudEvent published on the status topic for one outcome of one event on one channel.
 * Reads the exchange properties the routes set: {@code notifyEvent}, {@code notifyChannel},
 * {@code notifyStatus} and optionally {@code notifyStatusReason}, {@code notifyAttempt}, {@code notifyProvider},
 * {@code notifyProviderMessageId}; for SES feedback {@code notifyFeedbackRef}, {@code notifyFeedbackEventId},
 * {@code notifyFeedbackEventType} instead of the event. Carries no recipient data. The envelope is built and
 * written (structured mode, JSON) by the CloudEvents SDK; only {@code data} is ours.
 */
public class StatusEvents {

    public static final String TYPE_PREFIX = "com.example.notify.status.";
    private final ObjectMapper mapper = new ObjectMapper();
    private final EventFormat format = new JsonFormat();
    private URI source = URI.create("/notification-routes");

    public void setSource(String source) {
        this.source = URI.create(source);
    }

    public String build(Exchange exchange) throws Exception {
        NotificationEvent event = exchange.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        String status = exchange.getProperty(ExchangeProperties.STATUS, String.class);
        String channel = exchange.getProperty(ExchangeProperties.CHANNEL, String.class);
        var message = exchange.getMessage();
        // a digest (com.example.notify.digest): the digest's own status is about the digest id; an item's
        // status (notifyDigestItem) is about the item's event and points at the digest
        String digestId = exchange.getProperty(ExchangeProperties.DIGEST_ID, String.class);
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> item = exchange.getProperty(ExchangeProperties.DIGEST_ITEM, java.util.Map.class);
        String eventId = item != null ? String.valueOf(item.get("id")) : digestId != null ? digestId
                : event != null ? event.getId() : null;
        // SES feedback (com.example.notify.feedback): no event at hand, its id comes from the SES message tags
        String feedbackRef = exchange.getProperty(ExchangeProperties.FEEDBACK_REF, String.class);
        String subjectRef = event != null ? eventId : feedbackRef != null ? feedbackRef
                : message.getHeader("kafka.TOPIC") + "/" + message.getHeader("kafka.PARTITION") + "/"
                  + message.getHeader("kafka.OFFSET");

        // deterministic: a re-published status for the same outcome has the same id
        Integer attempt = exchange.getProperty(ExchangeProperties.ATTEMPT, Integer.class);
        CloudEventBuilder envelope = CloudEventBuilder.v1()
                .withId(subjectRef + ":" + (channel == null ? "-" : channel) + ":" + status
                        + (attempt == null ? "" : ":" + attempt))
                .withSource(source)
                .withType(TYPE_PREFIX + status)
                .withTime(OffsetDateTime.now(ZoneOffset.UTC));
        // CloudEvents distributed-tracing extension: the delivery's trace, for consumers that join on it
        String traceparent = message.getHeader(TraceHeaders.TRACEPARENT, String.class);
        if (TraceHeaders.valid(traceparent)) {
            envelope.withExtension(TraceHeaders.TRACEPARENT, traceparent);
        }
        ObjectNode data = mapper.createObjectNode();
        if (event != null) {
            data.put("eventId", eventId);
            data.put("eventSource", item != null ? String.valueOf(item.get("source")) : event.getSource());
            data.put("eventType", item != null ? String.valueOf(item.get("type")) : event.getType());
        } else if (feedbackRef != null) {
            putIfSet(data, "eventId", exchange.getProperty(ExchangeProperties.FEEDBACK_EVENT_ID, String.class));
            putIfSet(data, "eventType", exchange.getProperty(ExchangeProperties.FEEDBACK_EVENT_TYPE, String.class));
        } else {
            // the record never became an event (invalid): point at it by its coordinates
            data.put("topic", message.getHeader("kafka.TOPIC", String.class));
            data.put("partition", message.getHeader("kafka.PARTITION", Integer.class));
            data.put("offset", message.getHeader("kafka.OFFSET", Long.class));
        }
        if (channel != null) {
            data.put("channel", channel);
        }
        data.put("status", status);
        if (attempt != null) {
            data.put("attempt", attempt);
        }
        putIfSet(data, "reason", exchange.getProperty(ExchangeProperties.STATUS_REASON, String.class));
        if (("scheduled".equals(status) || "deferred".equals(status)) && event != null && event.getDeliverAt() != null) {
            data.put("deliverAt", event.getDeliverAt().toString());
        }
        Long notBefore = exchange.getProperty(ExchangeProperties.NOT_BEFORE, Long.class);
        if ("deferred".equals(status) && notBefore != null && notBefore > 0) {
            // quiet hours: when the recipient's window ends
            data.put("notBefore", Instant.ofEpochMilli(notBefore).toString());
        }
        putIfSet(data, "digestId", digestId);
        putIfSet(data, "provider", exchange.getProperty(ExchangeProperties.PROVIDER, String.class));
        putIfSet(data, "messageId", exchange.getProperty(ExchangeProperties.MESSAGE_ID, String.class));
        putIfSet(data, "providerMessageId", exchange.getProperty(ExchangeProperties.PROVIDER_MESSAGE_ID, String.class));
        envelope.withData("application/json", JsonCloudEventData.wrap(data));
        return new String(format.serialize(envelope.build()), StandardCharsets.UTF_8);
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
