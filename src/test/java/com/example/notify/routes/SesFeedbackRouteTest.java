package com.example.notify.routes;

import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.feedback.SesFeedback;
import com.example.notify.preferences.RecipientKeys;
import com.example.notify.preferences.SuppressionList;
import com.example.notify.support.SesErrorStub;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSqs;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * SES feedback closes the loop against real parts: SES event notifications (as SES publishes them through SNS, in
 * the SNS envelope or with raw message delivery) wait on a local SQS speaking the AWS wire protocol (ElasticMQ in
 * the test JVM), camel-aws2-sqs reads them, the suppressions and statuses land on the real topics (embedded
 * broker), the suppression feed applies them, the next email to a bounced or complaining address is skipped, and
 * every SQS message, malformed ones included, is deleted once handled. Emails go out through the SES provider
 * to a stub answering SES's SendRawEmail, so the message tags deliver-ses sends are the ones read back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=sesfb.events",
            "notify.kafka.topic.status=sesfb.status",
            "notify.kafka.topic.dlq=sesfb.dlq",
            "notify.kafka.topic.suppressions=sesfb.suppressions",
            "notify.kafka.group-id=sesfb-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.email.provider=ses",
            "notify.email.from=Example Billing <billing@example.com>",
            "notify.ses.region=eu-west-1",
            "notify.ses.per-second=1000",
            "notify.unsubscribe.enabled=false",
            "notify.ses.feedback.enabled=true",
            "notify.ses.access-key-id=test",
            "notify.ses.secret-access-key=test",
            "notify.ses.feedback.wait-seconds=1"
        })
class SesFeedbackRouteTest {

    static final String EVENTS = "sesfb.events";
    static final String STATUS = "sesfb.status";
    static final String SUPPRESSIONS = "sesfb.suppressions";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Duration SETTLE = Duration.ofSeconds(1);
    /** SES itself (SendRawEmail answered with a message id; the requests kept, tags included). */
    static final SesErrorStub SES = new SesErrorStub();
    static final String QUEUE;

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.ses.endpoint-override", SES.endpoint());
        TestKafka.createTopics(List.of(EVENTS, STATUS, "sesfb.dlq"), Set.of());
        TestKafka.createTopics(List.of(SUPPRESSIONS), Set.of(SUPPRESSIONS));
        System.setProperty("notify.ses.feedback.endpoint-override", TestSqs.endpoint());
        QUEUE = TestSqs.createQueue("ses-feedback", 30);
        System.setProperty("notify.ses.feedback.queue-url", QUEUE);
    }

    @BeanInject
    CamelContext context;

    @AfterAll
    void stopSes() {
        SES.close();
    }

    private SuppressionList suppressions() {
        return context.getRegistry().lookupByNameAndType("suppressionList", SuppressionList.class);
    }

    private double feedback(String kind) {
        var registry = context.getRegistry().findSingleByType(io.micrometer.core.instrument.MeterRegistry.class);
        var counter = registry == null ? null : registry.find("notify_email_feedback_total").tag("kind", kind).counter();
        return counter == null ? 0 : counter.count();
    }

    /** An SES event-publishing notification for a message sent for this event (tags as deliver-ses sets them). */
    static String sesEvent(String eventType, String eventId, String detail) {
        return """
                {"eventType":"%s","mail":{"timestamp":"%s","messageId":"ses-%s","source":"billing@example.com",
                  "destination":["hidden@example.com"],"tags":{"ses:configuration-set":["notify"],
                  "notify-event-id":["%s"],"notify-event-type":["%s"],"notify-channel":["email"]}}%s}"""
                .formatted(eventType, java.time.Instant.now(), eventId, SesFeedback.encodeTag(eventId),
                        SesFeedback.encodeTag("com.example.welcome"), detail.isEmpty() ? "" : "," + detail);
    }

    static String bounce(String type, String subType, String email) {
        return """
                "bounce":{"bounceType":"%s","bounceSubType":"%s","timestamp":"%s",
                  "bouncedRecipients":[{"emailAddress":"%s","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 %s unknown"}]}"""
                .formatted(type, subType, java.time.Instant.now(), email, email);
    }

    static String viaSns(String sesJson) {
        return new ObjectMapper().createObjectNode().put("Type", "Notification").put("MessageId", UUID.randomUUID().toString())
                .put("TopicArn", "arn:aws:sns:eu-west-1:000000000000:ses-feedback").put("Message", sesJson).toString();
    }

    private static JsonNode status(String eventId) {
        List<ConsumerRecord<String, byte[]>> records = TestKafka.read(STATUS, r -> isStatusFor(r, eventId), 1, WAIT, SETTLE);
        assertThat(records).as("status for " + eventId).hasSize(1);
        return statusData(records.get(0));
    }

    private static String suppressionRecord(String email) {
        List<ConsumerRecord<String, byte[]>> records = TestKafka.read(SUPPRESSIONS,
                r -> r.key().equals(RecipientKeys.addressHash(email)), 1, WAIT, SETTLE);
        assertThat(records).hasSize(1);
        return new String(records.get(0).value());
    }

    private static String publish(String email) {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, email, """
                {"specversion":"1.0","id":"%s","source":"/test","type":"com.example.welcome","data":{
                  "recipient":{"email":"%s"},"channels":["email"],"template":"welcome"}}""".formatted(id, email));
        return id;
    }

    private static void awaitQueueEmpty() {
        Awaitility.await().atMost(WAIT).until(() -> TestSqs.remaining(QUEUE) == 0);
    }

    @Test
    void permanentBounceAndComplaintSuppressAndTheNextEmailIsSkipped() {
        String bouncedEvent = UUID.randomUUID().toString();
        String complainedEvent = UUID.randomUUID().toString();
        String bounced = "gone.sesfb@example.com";
        String complaining = "Angry.SesFb@Example.com";
        double hardBefore = feedback("hard-bounce");
        double complaintsBefore = feedback("complaint");

        TestSqs.send(QUEUE, viaSns(sesEvent("Bounce", bouncedEvent, bounce("Permanent", "NoEmail", bounced))));
        // raw message delivery: the SES event itself
        TestSqs.send(QUEUE, sesEvent("Complaint", complainedEvent, """
                "complaint":{"complaintFeedbackType":"abuse","timestamp":"%s",
                  "complainedRecipients":[{"emailAddress":"%s"}]}""".formatted(java.time.Instant.now(), complaining)));

        JsonNode bounceStatus = status(bouncedEvent);
        assertThat(bounceStatus.path("status").asText()).isEqualTo("bounced");
        assertThat(bounceStatus.path("reason").asText()).isEqualTo("ses-hard-bounce-noemail");
        assertThat(bounceStatus.path("channel").asText()).isEqualTo("email");
        assertThat(bounceStatus.path("eventType").asText()).isEqualTo("com.example.welcome");
        assertThat(bounceStatus.path("provider").asText()).isEqualTo("ses");
        assertThat(bounceStatus.path("providerMessageId").asText()).isEqualTo("ses-" + bouncedEvent);
        JsonNode complaintStatus = status(complainedEvent);
        assertThat(complaintStatus.path("status").asText()).isEqualTo("complained");
        assertThat(complaintStatus.path("reason").asText()).isEqualTo("ses-complaint-abuse");
        assertThat(bounceStatus.toString() + complaintStatus).doesNotContain("sesfb@").doesNotContain("SesFb@");

        assertThat(suppressionRecord(bounced)).contains("\"reason\":\"hard-bounce\"").contains("\"at\":")
                .contains("\"code\":\"ses-hard-bounce-noemail\"").doesNotContain("gone.");
        assertThat(suppressionRecord("angry.sesfb@example.com")).contains("\"reason\":\"complaint\"");
        Awaitility.await().atMost(WAIT).until(() -> "hard-bounce".equals(suppressions().reasonFor(bounced)));
        Awaitility.await().atMost(WAIT).until(() -> "complaint".equals(suppressions().reasonFor(complaining)));
        assertThat(feedback("hard-bounce")).isEqualTo(hardBefore + 1);
        assertThat(feedback("complaint")).isEqualTo(complaintsBefore + 1);
        awaitQueueEmpty();

        int sendsBefore = SES.requests.get();
        JsonNode next = status(publish(bounced));
        assertThat(next.path("status").asText() + "/" + next.path("reason").asText()).isEqualTo("skipped/suppressed-hard-bounce");
        JsonNode nextToComplainer = status(publish("angry.sesfb@example.com"));
        assertThat(nextToComplainer.path("status").asText() + "/" + nextToComplainer.path("reason").asText())
                .isEqualTo("skipped/suppressed-complaint");
        assertThat(SES.requests.get()).as("neither reaches SES").isEqualTo(sendsBefore);
        assertThat(status(publish("fine.sesfb@example.com")).path("status").asText()).isEqualTo("delivered");
    }

    @Test
    void transientBounceIsASoftBounceThatIsCounted() {
        String event = UUID.randomUUID().toString();
        String email = "full.sesfb@example.com";
        double before = feedback("soft-bounce");
        TestSqs.send(QUEUE, viaSns(sesEvent("Bounce", event, bounce("Transient", "MailboxFull", email))));

        JsonNode s = status(event);
        assertThat(s.path("status").asText()).isEqualTo("bounced");
        assertThat(s.path("reason").asText()).isEqualTo("ses-soft-bounce-mailboxfull");
        assertThat(suppressionRecord(email)).contains("\"reason\":\"soft-bounce\"");
        Awaitility.await().atMost(WAIT).until(() -> "soft-bounce".equals(suppressions().reasonFor(email)));
        assertThat(feedback("soft-bounce")).isEqualTo(before + 1);
        awaitQueueEmpty();
    }

    @Test
    void deliveryNotificationConfirmsTheDeliveryAndSuppressesNothing() {
        String event = UUID.randomUUID().toString();
        double before = feedback("delivery");
        TestSqs.send(QUEUE, viaSns(sesEvent("Delivery", event, """
                "delivery":{"timestamp":"%s","recipients":["ok.sesfb@example.com"],"smtpResponse":"250 ok"}"""
                .formatted(java.time.Instant.now()))));

        JsonNode s = status(event);
        assertThat(s.path("status").asText()).isEqualTo("delivery-confirmed");
        assertThat(s.path("providerMessageId").asText()).isEqualTo("ses-" + event);
        assertThat(feedback("delivery")).isEqualTo(before + 1);
        var registry = context.getRegistry().findSingleByType(io.micrometer.core.instrument.MeterRegistry.class);
        assertThat(registry.find("notify_deliveries_total").tag("outcome", "delivery-confirmed").counter())
                .as("feedback is not another delivery outcome (the rate alerts divide by deliveries)").isNull();
        assertThat(suppressions().reasonFor("ok.sesfb@example.com")).isNull();
        awaitQueueEmpty();
    }

    @Test
    void malformedMessagesAreDeletedAndTheNextOneIsStillRead() {
        TestSqs.send(QUEUE, "not json at all, to: someone@example.com");
        TestSqs.send(QUEUE, "{\"eventType\":\"Bounce\",\"mail\":{\"messageId\":\"m-1\"},\"bounce\":{}}");
        TestSqs.send(QUEUE, viaSns("{broken"));
        String event = UUID.randomUUID().toString();
        TestSqs.send(QUEUE, sesEvent("Reject", event, "\"reject\":{\"reason\":\"Bad content\"}"));

        assertThat(status(event).path("status").asText()).isEqualTo("rejected");
        awaitQueueEmpty();
        assertThat(context.getRouteController().getRouteStatus("receive-ses-feedback").isStarted()).isTrue();
    }

    /** The tags of the SendRawEmail request that carried this event id (form-encoded query protocol). */
    private static java.util.Map<String, String> sentTags(String eventId) {
        Awaitility.await().atMost(WAIT).until(() -> SES.bodies.stream().anyMatch(b -> b.contains(eventId)));
        String body = SES.bodies.stream().filter(b -> b.contains(eventId)).findFirst().orElseThrow();
        java.util.Map<String, String> form = new java.util.HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            form.put(java.net.URLDecoder.decode(pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8),
                    java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
        }
        java.util.Map<String, String> tags = new java.util.HashMap<>();
        for (int i = 1; form.containsKey("Tags.member." + i + ".Name"); i++) {
            tags.put(form.get("Tags.member." + i + ".Name"), form.get("Tags.member." + i + ".Value"));
        }
        return tags;
    }

    @Test
    void theTagsOfTheSentEmailCorrelateItsBounce() throws Exception {
        String email = "tagged.sesfb@example.com";
        String eventId = publish(email);
        JsonNode delivered = status(eventId);
        assertThat(delivered.path("status").asText()).isEqualTo("delivered");
        String sesMessageId = delivered.path("providerMessageId").asText();
        java.util.Map<String, String> tags = sentTags(eventId);
        assertThat(tags).containsEntry("notify-event-id", eventId).containsEntry("notify-channel", "email")
                .containsEntry("notify-event-type", SesFeedback.encodeTag("com.example.welcome"));
        assertThat(String.join("", tags.values())).matches("[A-Za-z0-9_-]+");

        // what SES publishes for that message: its message id and the tags it was sent with
        ObjectMapper mapper = new ObjectMapper();
        var notification = mapper.createObjectNode().put("eventType", "Bounce");
        var mail = notification.putObject("mail").put("timestamp", java.time.Instant.now().toString())
                .put("messageId", sesMessageId);
        var mailTags = mail.putObject("tags");
        tags.forEach((name, value) -> mailTags.putArray(name).add(value));
        notification.set("bounce", mapper.readTree("{" + bounce("Permanent", "General", email) + "}").path("bounce"));
        TestSqs.send(QUEUE, viaSns(notification.toString()));

        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read(STATUS, r -> isStatusFor(r, eventId), 2, WAIT, SETTLE);
        assertThat(statuses).hasSize(2);
        // the feedback status is keyed by the event id, the delivery's by the event's key: no order between them
        JsonNode bounced = statuses.stream().map(r -> statusData(r)).filter(d -> !"delivered".equals(d.path("status").asText()))
                .findFirst().orElseThrow();
        assertThat(bounced.path("status").asText()).isEqualTo("bounced");
        assertThat(bounced.path("reason").asText()).isEqualTo("ses-hard-bounce-general");
        assertThat(bounced.path("providerMessageId").asText()).isEqualTo(sesMessageId);
        assertThat(bounced.path("eventType").asText()).isEqualTo("com.example.welcome");
        Awaitility.await().atMost(WAIT).until(() -> "hard-bounce".equals(suppressions().reasonFor(email)));
        awaitQueueEmpty();
    }

    @Test
    @Order(Integer.MAX_VALUE) // last (unannotated tests run at MAX_VALUE / 2): it stops the broker
    void theSqsMessageStaysUntilKafkaAcknowledgedItsRecords() {
        String event = UUID.randomUUID().toString();
        String email = "late.sesfb@example.com";
        TestKafka.stopBroker();
        try {
            TestSqs.send(QUEUE, viaSns(sesEvent("Complaint", event, """
                    "complaint":{"complaintFeedbackType":"abuse","complainedRecipients":[{"emailAddress":"%s"}]}"""
                    .formatted(email))));
            // received (in flight), but neither suppression nor status could be written: not deleted
            Awaitility.await().atMost(WAIT).until(() -> TestSqs.inFlight(QUEUE) == 1);
            Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                    .until(() -> TestSqs.remaining(QUEUE) == 1);
        } finally {
            TestKafka.startBroker();
        }
        assertThat(status(event).path("status").asText()).isEqualTo("complained");
        assertThat(suppressionRecord(email)).contains("\"reason\":\"complaint\"");
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> TestSqs.remaining(QUEUE) == 0);
    }
}
