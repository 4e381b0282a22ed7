package com.example.notify.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.notify.preferences.RecipientKeys;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class SesFeedbackTest {

    private final SesFeedback feedback = new SesFeedback();

    static String sesEvent(String eventType, String tagsJson, String detail) {
        return """
                {"eventType":"%s","mail":{"timestamp":"2026-12-01T10:00:00.000Z","messageId":"0102-abc",
                  "source":"billing@example.com","destination":["Jane.Doe@Example.com"],"tags":%s}%s}"""
                .formatted(eventType, tagsJson, detail.isEmpty() ? "" : "," + detail);
    }

    static String snsEnvelope(String message) throws Exception {
        return new ObjectMapper().createObjectNode().put("Type", "Notification").put("MessageId", "sns-1")
                .put("TopicArn", "arn:aws:sns:eu-west-1:000000000000:ses-feedback").put("Message", message).toString();
    }

    static final String TAGS = "{\"notify-event-id\":[\"evt-1\"],\"notify-event-type\":[\"b64-Y29tLmV4YW1wbGUud2VsY29tZQ\"],\"notify-channel\":[\"email\"]}";
    static final String PERMANENT = """
            "bounce":{"bounceType":"Permanent","bounceSubType":"NoEmail","timestamp":"2026-12-01T10:00:05.000Z",
              "bouncedRecipients":[{"emailAddress":"Jane.Doe@Example.com","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}]}""";

    @Test
    void permanentBounceInAnSnsEnvelopeSuppressesAsHardBounce() throws Exception {
        SesFeedback.Feedback f = feedback.parse(snsEnvelope(sesEvent("Bounce", TAGS, PERMANENT)));
        assertThat(f.kind()).isEqualTo("hard-bounce");
        assertThat(f.status()).isEqualTo("bounced");
        assertThat(f.reason()).isEqualTo("ses-hard-bounce-noemail");
        assertThat(f.eventId()).isEqualTo("evt-1");
        assertThat(f.eventType()).isEqualTo("com.example.welcome");
        assertThat(f.channel()).isEqualTo("email");
        assertThat(f.sesMessageId()).isEqualTo("0102-abc");
        assertThat(f.suppressionReason()).isEqualTo("hard-bounce");
        assertThat(f.addressHashes()).containsExactly(RecipientKeys.addressHash("jane.doe@example.com"));
        assertThat(f.at()).hasToString("2026-12-01T10:00:05Z");
    }

    @Test
    void rawMessageDeliveryIsTheSesEventItself() {
        assertThat(feedback.parse(sesEvent("Bounce", TAGS, PERMANENT)).kind()).isEqualTo("hard-bounce");
    }

    @Test
    void identityNotificationsUseNotificationType() {
        String legacy = sesEvent("Bounce", "{}", PERMANENT).replace("\"eventType\"", "\"notificationType\"");
        SesFeedback.Feedback f = feedback.parse(legacy);
        assertThat(f.kind()).isEqualTo("hard-bounce");
        assertThat(f.eventId()).as("no tags: correlated by the SES message id").isNull();
    }

    @Test
    void transientAndUndeterminedBouncesAreSoftBounces() {
        for (String type : List.of("Transient", "Undetermined")) {
            SesFeedback.Feedback f = feedback.parse(sesEvent("Bounce", TAGS, PERMANENT.replace("Permanent", type)
                    .replace("NoEmail", "MailboxFull")));
            assertThat(f.kind()).isEqualTo("soft-bounce");
            assertThat(f.suppressionReason()).isEqualTo("soft-bounce");
            assertThat(f.reason()).isEqualTo("ses-soft-bounce-mailboxfull");
        }
    }

    @Test
    void complaintSuppressesEveryComplainedRecipient() {
        SesFeedback.Feedback f = feedback.parse(sesEvent("Complaint", TAGS, """
                "complaint":{"complaintFeedbackType":"abuse","timestamp":"2026-12-01T11:00:00Z",
                  "complainedRecipients":[{"emailAddress":"a@example.com"},{"emailAddress":"B <b@example.com>"}]}"""));
        assertThat(f.status()).isEqualTo("complained");
        assertThat(f.reason()).isEqualTo("ses-complaint-abuse");
        assertThat(f.suppressionReason()).isEqualTo("complaint");
        assertThat(f.addressHashes()).containsExactly(RecipientKeys.addressHash("a@example.com"),
                RecipientKeys.addressHash("b@example.com"));
    }

    @Test
    void otherNotificationsGiveAStatusAndSuppressNothing() {
        Map<String, String> expected = Map.of("Delivery", "delivery-confirmed", "Reject", "rejected",
                "Rendering Failure", "rendering-failed", "Open", "opened", "Click", "clicked");
        expected.forEach((type, status) -> {
            SesFeedback.Feedback f = feedback.parse(sesEvent(type, TAGS, ""));
            assertThat(f.status()).as(type).isEqualTo(status);
            assertThat(f.suppressionReason()).as(type).isNull();
            assertThat(SesFeedback.KINDS).contains(f.kind());
        });
        assertThat(feedback.parse(sesEvent("Send", TAGS, "")).status()).isNull();
        assertThat(feedback.parse(sesEvent("DeliveryDelay", TAGS, "")).status()).isNull();
    }

    @Test
    void malformedMessagesGiveAShortReasonWithoutTheInput() {
        assertReason("{\"to\":\"secret@example.com\"", "not-json");
        assertReason("[1,2]", "not-json-object");
        assertReason("{\"hello\":\"secret@example.com\"}", "not-ses-event");
        assertReason(sesEvent("Bounce", TAGS, "\"bounce\":{\"bouncedRecipients\":[]}"), "bounce-without-type");
        assertReason(sesEvent("Bounce", TAGS, "\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":[]}"), "without-recipients");
        assertReason(sesEvent("Bounce", TAGS, PERMANENT.replace("Jane.Doe@Example.com", "nobody")), "recipient-without-address");
        assertReason(sesEvent("Bounce", TAGS, PERMANENT).replace("0102-abc", ""), "missing-message-id");
        assertReason(sesEvent("Teleport", TAGS, ""), "unknown-event-type");
        assertReason("{\"Type\":\"SubscriptionConfirmation\",\"TopicArn\":\"arn\",\"Message\":\"x\"}", "sns-subscription-confirmation");
        assertReason("", "empty");
        assertReason("x".repeat(SesFeedback.MAX_BODY_CHARS + 1), "too-large");
    }

    private void assertReason(String body, String reason) {
        assertThatThrownBy(() -> feedback.parse(body)).isInstanceOf(MalformedFeedbackException.class)
                .satisfies(e -> assertThat(((MalformedFeedbackException) e).reason()).isEqualTo(reason))
                .hasMessageNotContaining("secret").hasNoCause();
    }

    @Test
    void readSetsTheStatusPropertiesAndReturnsIdempotentSuppressionRecords() throws Exception {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(snsEnvelope(sesEvent("Bounce", TAGS, PERMANENT)));
        List<Map<String, String>> records = feedback.read(exchange);
        assertThat(records).hasSize(1);
        assertThat(records.get(0).get("key")).isEqualTo(RecipientKeys.addressHash("jane.doe@example.com"));
        assertThat(records.get(0).get("value"))
                .isEqualTo("{\"reason\":\"hard-bounce\",\"at\":\"2026-12-01T10:00:05Z\",\"code\":\"ses-hard-bounce-noemail\"}");
        assertThat(exchange.getProperty("notifyStatus")).isEqualTo("bounced");
        assertThat(exchange.getProperty("notifyChannel")).isEqualTo("email");
        assertThat(exchange.getProperty("notifyFeedbackRef")).isEqualTo("evt-1");
        assertThat(exchange.getProperty("notifyProviderMessageId")).isEqualTo("0102-abc");
        assertThat(exchange.getProperty("notifyFeedbackKind")).isEqualTo("hard-bounce");
        // the same notification again: the same record
        Exchange again = new DefaultExchange(exchange.getContext());
        again.getMessage().setBody(snsEnvelope(sesEvent("Bounce", TAGS, PERMANENT)));
        assertThat(feedback.read(again)).isEqualTo(records);

        Exchange untagged = new DefaultExchange(exchange.getContext());
        untagged.getMessage().setBody(sesEvent("Delivery", "{}", ""));
        assertThat(feedback.read(untagged)).isEmpty();
        assertThat(untagged.getProperty("notifyFeedbackRef")).isEqualTo("ses/0102-abc");
        assertThat(untagged.getProperty("notifyFeedbackEventId")).isNull();
    }

    @Test
    void tagValuesSesAcceptsRoundTrip() {
        for (String value : List.of("evt-1", "9d6c_AB", "com.example.invoice.due", "a/b:c d", "b64-looks-encoded", "é")) {
            String tag = SesFeedback.encodeTag(value);
            assertThat(tag).matches("[A-Za-z0-9_-]{1,256}");
            assertThat(SesFeedback.decodeTag(tag)).isEqualTo(value);
        }
        assertThat(SesFeedback.encodeTag("evt-1")).isEqualTo("evt-1");
        assertThat(SesFeedback.encodeTag("x.".repeat(200))).as("too long for a tag: left out").isNull();
        assertThat(SesFeedback.encodeTag("")).isNull();
    }
}
