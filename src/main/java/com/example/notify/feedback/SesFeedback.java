package com.example.notify.feedback;

import com.example.notify.contract.Channels;
import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.NotificationEvent;
import com.example.notify.preferences.RecipientKeys;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;

/**
 * SES event notifications (configuration-set event publishing, or the older identity notifications) read from
 * SQS: the message body is the SNS envelope whose {@code Message} is the SES event, or the SES event itself (raw
 * message delivery). Correlation needs no store: every SES send carries message tags with the event id, type and
 * channel ({@link #tags}), which SES hands back in {@code mail.tags}; without them the SES message id is the
 * reference (the delivered status carries it as {@code providerMessageId}).
 *
 * <p>{@link #read} sets the exchange properties the status publishing reads and returns the suppression records
 * to write (key: the address hash, value {@code {"reason":…,"at":…,"code":…}}, {@code at} the notification's own
 * time, so a re-delivered message writes the same record). Addresses never leave this class in clear.
 */
public class SesFeedback {

    public static final String TAG_EVENT_ID = "notify-event-id";
    public static final String TAG_EVENT_TYPE = "notify-event-type";
    public static final String TAG_CHANNEL = "notify-channel";
    /** SQS messages are at most 1 MiB; an SES notification is a few KiB. */
    static final int MAX_BODY_CHARS = 1024 * 1024;
    /** SES tag values: ASCII letters, digits, '_' and '-', at most 256 characters. */
    private static final Pattern TAG_SAFE = Pattern.compile("[A-Za-z0-9_-]{1,256}");
    private static final String ENCODED = "b64-";
    private static final int MAX_RECIPIENTS = 50;
    /** Metric kinds (notify_email_feedback_total{kind}): a bounded set. */
    public static final List<String> KINDS = List.of("hard-bounce", "soft-bounce", "complaint", "delivery",
            "reject", "rendering-failure", "open", "click");
    private static final Set<String> BOUNCE_SUBTYPES = Set.of("general", "noemail", "suppressed",
            "onaccountsuppressionlist", "mailboxfull", "messagetoolarge", "contentrejected", "attachmentrejected",
            "undetermined");
    private static final Set<String> COMPLAINT_TYPES = Set.of("abuse", "auth-failure", "fraud", "not-spam", "other", "virus");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** What one notification says, without addresses in clear. */
    public record Feedback(String kind, String status, String reason, String eventId, String eventType,
                           String channel, String sesMessageId, String suppressionReason, List<String> addressHashes,
                           Instant at) {
    }

    // ---- sending side ----------------------------------------------------------------------------------------

    /** The SES message tags for the email being sent (deliver-ses sets them as header CamelAwsSesTags). */
    public Map<String, String> tags(Exchange exchange) {
        NotificationEvent event = exchange.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        String digestId = exchange.getProperty(ExchangeProperties.DIGEST_ID, String.class);
        String eventId = digestId != null ? digestId : event == null ? null : event.getId();
        Map<String, String> tags = new LinkedHashMap<>();
        putTag(tags, TAG_EVENT_ID, eventId);
        putTag(tags, TAG_EVENT_TYPE, event == null ? null : event.getType());
        putTag(tags, TAG_CHANNEL, exchange.getProperty(ExchangeProperties.CHANNEL, Channels.EMAIL, String.class));
        return tags;
    }

    private static void putTag(Map<String, String> tags, String name, String value) {
        String encoded = encodeTag(value);
        if (encoded != null) {
            tags.put(name, encoded);
        }
    }

    /** A tag value SES accepts: as is when it can, else base64url behind "b64-"; null when too long or empty. */
    public static String encodeTag(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        String encoded = TAG_SAFE.matcher(value).matches() && !value.startsWith(ENCODED) ? value
                : ENCODED + Base64.getUrlEncoder().withoutPadding().encodeToString(value.getBytes(StandardCharsets.UTF_8));
        return encoded.length() <= 256 ? encoded : null;
    }

    static String decodeTag(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!value.startsWith(ENCODED)) {
            return value;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(value.substring(ENCODED.length())), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return value;
        }
    }

    // ---- receiving side --------------------------------------------------------------------------------------

    /**
     * Reads the SQS message body, sets {@code notifyStatus}, {@code notifyChannel}, {@code notifyStatusReason},
     * {@code notifyProvider}, {@code notifyProviderMessageId}, {@code notifyFeedbackKind},
     * {@code notifyFeedbackRef}, {@code notifyFeedbackEventId}, {@code notifyFeedbackEventType}, and returns the
     * suppression records ({@code key}, {@code value}) to publish; empty for kinds that suppress nothing.
     * A notification we do not act on (Send, DeliveryDelay, Subscription) sets no status.
     */
    public List<Map<String, String>> read(Exchange exchange) {
        Feedback f = parse(exchange.getMessage().getBody(String.class));
        exchange.setProperty(ExchangeProperties.FEEDBACK, f);
        if (f.status() == null) {
            return List.of();
        }
        exchange.setProperty(ExchangeProperties.STATUS, f.status());
        exchange.setProperty(ExchangeProperties.CHANNEL, f.channel());
        exchange.setProperty(ExchangeProperties.STATUS_REASON, f.reason());
        exchange.setProperty(ExchangeProperties.PROVIDER, "ses");
        exchange.setProperty(ExchangeProperties.PROVIDER_MESSAGE_ID, f.sesMessageId());
        exchange.setProperty(ExchangeProperties.FEEDBACK_KIND, f.kind());
        exchange.setProperty(ExchangeProperties.FEEDBACK_REF, f.eventId() != null ? f.eventId() : "ses/" + f.sesMessageId());
        exchange.setProperty(ExchangeProperties.FEEDBACK_EVENT_ID, f.eventId());
        exchange.setProperty(ExchangeProperties.FEEDBACK_EVENT_TYPE, f.eventType());
        exchange.setProperty(ExchangeProperties.EVENT_ID, f.eventId() != null ? f.eventId() : "ses/" + f.sesMessageId());
        if (f.suppressionReason() == null) {
            return List.of();
        }
        List<Map<String, String>> records = new ArrayList<>();
        for (String hash : f.addressHashes()) {
            ObjectNode value = MAPPER.createObjectNode();
            value.put("reason", f.suppressionReason());
            value.put("at", f.at().toString());
            value.put("code", f.reason());
            records.add(Map.of("key", hash, "value", value.toString()));
        }
        return records;
    }

    /** Parses one SQS message body. */
    public Feedback parse(String body) {
        if (body == null || body.isBlank()) {
            throw new MalformedFeedbackException("empty");
        }
        if (body.length() > MAX_BODY_CHARS) {
            throw new MalformedFeedbackException("too-large");
        }
        JsonNode root = json(body);
        JsonNode ses = root;
        if (root.has("Type") && root.has("TopicArn")) {
            // the SNS envelope (raw message delivery off): the SES event is the Message string
            if (!"Notification".equals(root.path("Type").asText())) {
                throw new MalformedFeedbackException("sns-" + kebab(root.path("Type").asText("other")));
            }
            JsonNode message = root.path("Message");
            if (!message.isTextual()) {
                throw new MalformedFeedbackException("sns-without-message");
            }
            ses = json(message.asText());
        }
        String type = ses.path("eventType").asText(ses.path("notificationType").asText(""));
        JsonNode mail = ses.path("mail");
        String messageId = mail.path("messageId").asText("");
        if (type.isEmpty() || !mail.isObject()) {
            throw new MalformedFeedbackException("not-ses-event");
        }
        if (messageId.isEmpty() || messageId.length() > 200) {
            throw new MalformedFeedbackException("missing-message-id");
        }
        JsonNode tags = mail.path("tags");
        String eventId = decodeTag(firstTag(tags, TAG_EVENT_ID));
        String eventType = decodeTag(firstTag(tags, TAG_EVENT_TYPE));
        String channel = decodeTag(firstTag(tags, TAG_CHANNEL));
        channel = channel == null ? Channels.EMAIL : channel;
        Instant mailAt = instant(mail.path("timestamp").asText(""), Instant.now());

        switch (type) {
            case "Bounce": {
                JsonNode bounce = ses.path("bounce");
                String bounceType = bounce.path("bounceType").asText("");
                boolean permanent = "Permanent".equals(bounceType);
                if (!permanent && !"Transient".equals(bounceType) && !"Undetermined".equals(bounceType)) {
                    throw new MalformedFeedbackException("bounce-without-type");
                }
                String kind = permanent ? "hard-bounce" : "soft-bounce";
                String sub = bounce.path("bounceSubType").asText("").toLowerCase(Locale.ROOT);
                String reason = "ses-" + kind + (BOUNCE_SUBTYPES.contains(sub) ? "-" + sub : "");
                return new Feedback(kind, "bounced", reason, eventId, eventType, channel, messageId, kind,
                        hashes(bounce.path("bouncedRecipients")), instant(bounce.path("timestamp").asText(""), mailAt));
            }
            case "Complaint": {
                JsonNode complaint = ses.path("complaint");
                String feedbackType = complaint.path("complaintFeedbackType").asText("").toLowerCase(Locale.ROOT);
                String reason = "ses-complaint" + (COMPLAINT_TYPES.contains(feedbackType) ? "-" + feedbackType : "");
                return new Feedback("complaint", "complained", reason, eventId, eventType, channel, messageId,
                        "complaint", hashes(complaint.path("complainedRecipients")),
                        instant(complaint.path("timestamp").asText(""), mailAt));
            }
            case "Delivery":
                return new Feedback("delivery", "delivery-confirmed", "ses-delivery", eventId, eventType, channel,
                        messageId, null, List.of(), mailAt);
            case "Reject":
                return new Feedback("reject", "rejected", "ses-rejected", eventId, eventType, channel, messageId,
                        null, List.of(), mailAt);
            case "Rendering Failure":
                return new Feedback("rendering-failure", "rendering-failed", "ses-rendering-failure", eventId,
                        eventType, channel, messageId, null, List.of(), mailAt);
            case "Open":
                return new Feedback("open", "opened", "ses-open", eventId, eventType, channel, messageId, null,
                        List.of(), mailAt);
            case "Click":
                return new Feedback("click", "clicked", "ses-click", eventId, eventType, channel, messageId, null,
                        List.of(), mailAt);
            case "Send", "DeliveryDelay", "Subscription", "AmazonSnsSubscriptionSucceeded":
                // nothing to act on: acknowledged and deleted
                return new Feedback(null, null, null, eventId, eventType, channel, messageId, null, List.of(), mailAt);
            default:
                throw new MalformedFeedbackException("unknown-event-type");
        }
    }

    private static JsonNode json(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || !node.isObject()) {
                throw new MalformedFeedbackException("not-json-object");
            }
            return node;
        } catch (MalformedFeedbackException e) {
            throw e;
        } catch (Exception e) {
            // no cause, no parser message: both quote the input, which holds addresses
            throw new MalformedFeedbackException("not-json");
        }
    }

    private static String firstTag(JsonNode tags, String name) {
        JsonNode values = tags.path(name);
        if (values.isArray() && !values.isEmpty()) {
            return values.get(0).asText(null);
        }
        return values.isTextual() ? values.asText() : null;
    }

    private static List<String> hashes(JsonNode recipients) {
        if (!recipients.isArray() || recipients.isEmpty()) {
            throw new MalformedFeedbackException("without-recipients");
        }
        List<String> hashes = new ArrayList<>();
        for (JsonNode r : recipients) {
            if (hashes.size() == MAX_RECIPIENTS) {
                break;
            }
            String address = bareAddress(r.path("emailAddress").asText(""));
            if (address.isEmpty() || address.indexOf('@') < 1) {
                throw new MalformedFeedbackException("recipient-without-address");
            }
            hashes.add(RecipientKeys.addressHash(address));
        }
        return hashes;
    }

    /** {@code Name <a@b>} → {@code a@b}; SES usually gives the bare address. */
    static String bareAddress(String text) {
        int open = text.lastIndexOf('<');
        int close = text.lastIndexOf('>');
        return (open >= 0 && close > open ? text.substring(open + 1, close) : text).strip();
    }

    private static Instant instant(String text, Instant fallback) {
        try {
            return text.isEmpty() ? fallback : Instant.parse(text);
        } catch (Exception e) {
            return fallback;
        }
    }

    private static String kebab(String text) {
        String k = text.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "");
        return k.length() > 40 ? k.substring(0, 40) : k;
    }
}
