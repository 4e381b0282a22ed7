package com.example.notify.routes;

import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.smtp.PooledJavaMailSender;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import jakarta.mail.BodyPart;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The email channel end to end: events on a real Kafka broker, delivered through the real routes, templates
 * and pooled sender to a real SMTP server (GreenMail); the received MIME is asserted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=email.events",
            "notify.kafka.topic.status=email.status",
            "notify.kafka.topic.dlq=email.dlq",
            "notify.kafka.group-id=email-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.pool-size=2",
            // no connections on top for the priority lane: the reuse test counts the pool's 2
            "notify.smtp.priority-connections=0",
            "notify.smtp.per-second=2000",
            "notify.email.from=Example Billing <billing@example.com>",
            "notify.email.reply-to=support@example.com",
            "notify.email.unsubscribe-base-url=https://example.com/unsubscribe/",
            "notify.email.unsubscribe-mailto=unsubscribe@example.com",
            "notify.email.list-id-domain=lists.example.com",
            "notify.unsubscribe.secret=" + EmailRouteTest.UNSUBSCRIBE_KEYS,
            "notify.email.type.com.example.newsletter.bulk=true",
            "notify.email.type.com.example.newsletter.from=Example News <news@example.com>"
        })
class EmailRouteTest {

    static final String UNSUBSCRIBE_KEYS = "t1:ZW1haWwtcm91dGUtdGVzdC11bnN1YnNjcmliZS1rZXk=";

    static final String EVENTS = "email.events";
    static final String STATUS = "email.status";
    static final String DLQ = "email.dlq";
    static final Duration WAIT = Duration.ofSeconds(60); // an upper bound: the first test also waits for every stage's group to join
    static final Duration SETTLE = Duration.ofSeconds(1);

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestKafka.createTopics(List.of(EVENTS, STATUS, DLQ), Set.of());
    }

    @BeanInject
    CamelContext context;

    static String event(String id, String type, String template, String locale, String recipient, String params) {
        return """
                {"specversion":"1.0","id":"%s","source":"/test","type":"%s","data":{
                  "recipient":%s,"channels":["email"],"template":"%s"%s,"params":{%s}}}
                """.formatted(id, type, recipient, template, locale == null ? "" : ",\"locale\":\"" + locale + "\"", params);
    }

    static final String JANE = "{\"email\":\"jane.doe@example.com\",\"name\":\"Jane Doe\"}";

    private MimeMessage receivedFor(String id) {
        Awaitility.await().atMost(WAIT).until(() -> statusFor(id).size() == 1);
        String messageId = statusData(statusFor(id).get(0)).path("providerMessageId").asText();
        Awaitility.await().atMost(WAIT).until(() -> TestSmtp.received(messageId).size() == 1);
        return TestSmtp.received(messageId).get(0);
    }

    private List<ConsumerRecord<String, byte[]>> statusFor(String id) {
        return TestKafka.read(STATUS, r -> isStatusFor(r, id), 1, Duration.ofSeconds(2), Duration.ZERO);
    }

    @Test
    void eventBecomesLocalizedMultipartEmailWithEscapedParameters() throws Exception {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "c-42", event(id, "com.example.invoice.due", "invoice-due", "de-AT", JANE,
                "\"amount\":\"<script>alert(1)</script>\",\"currency\":\"EUR\""));

        MimeMessage mail = receivedFor(id);
        assertThat(mail.getSubject()).isEqualTo("Ihre Rechnung über <script>alert(1)</script> EUR ist fällig");
        assertThat(((InternetAddress) mail.getFrom()[0]).getAddress()).isEqualTo("billing@example.com");
        assertThat(((InternetAddress) mail.getReplyTo()[0]).getAddress()).isEqualTo("support@example.com");
        InternetAddress to = (InternetAddress) mail.getAllRecipients()[0];
        assertThat(to.getAddress()).isEqualTo("jane.doe@example.com");
        assertThat(to.getPersonal()).isEqualTo("Jane Doe");
        assertThat(mail.getMessageID()).matches("<[0-9a-f]{32}\\.email@example\\.com>").startsWith(messageIdOf("/test", id));
        assertThat(mail.getHeader("List-Unsubscribe")).as("transactional type").isNull();

        assertThat(mail.getContentType()).startsWith("multipart/alternative");
        MimeMultipart parts = (MimeMultipart) mail.getContent();
        assertThat(parts.getCount()).isEqualTo(2);
        BodyPart text = parts.getBodyPart(0);
        BodyPart html = parts.getBodyPart(1);
        assertThat(text.getContentType()).startsWith("text/plain").contains("UTF-8");
        assertThat(html.getContentType()).startsWith("text/html").contains("UTF-8");
        assertThat((String) text.getContent()).contains("Hallo Jane Doe").contains("<script>alert(1)</script> EUR");
        assertThat((String) html.getContent())
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .doesNotContain("<script>");

        ConsumerRecord<String, byte[]> status = statusFor(id).get(0);
        assertThat(statusData(status).path("status").asText()).isEqualTo("delivered");
        assertThat(statusData(status).path("provider").asText()).isEqualTo("smtp");
        assertThat(statusData(status).path("providerMessageId").asText()).isEqualTo(mail.getMessageID());
    }

    @Test
    void localeFallsBackToTheDefaultTemplate() throws Exception {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "c-42", event(id, "com.example.invoice.due", "invoice-due", "fr-CA", JANE, "\"amount\":\"5.00\""));
        assertThat(receivedFor(id).getSubject()).isEqualTo("Your invoice of 5.00 EUR is due");
    }

    @Test
    void bulkTypeCarriesOneClickUnsubscribeAndItsOwnFrom() throws Exception {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "c-42", event(id, "com.example.newsletter", "welcome", "en", JANE, ""));
        MimeMessage mail = receivedFor(id);
        String[] unsubscribe = mail.getHeader("List-Unsubscribe");
        assertThat(unsubscribe).hasSize(1);
        java.util.regex.Matcher link = java.util.regex.Pattern.compile("<https://example\\.com/unsubscribe/([A-Za-z0-9_-]+)>, <mailto:unsubscribe@example\\.com>")
                .matcher(unsubscribe[0]);
        assertThat(link.matches()).as(unsubscribe[0]).isTrue();
        assertThat(unsubscribe[0]).as("no guessable identity in the link").doesNotContain("jane")
                .doesNotContain(com.example.notify.preferences.RecipientKeys.addressHash("jane.doe@example.com"));
        com.example.notify.preferences.UnsubscribeTokens.Claims claims =
                new com.example.notify.preferences.UnsubscribeTokens(UNSUBSCRIBE_KEYS, 1).verify(link.group(1));
        assertThat(claims.addressHash()).isEqualTo(com.example.notify.preferences.RecipientKeys.addressHash("jane.doe@example.com"));
        assertThat(claims.list()).isEqualTo("com.example.newsletter");
        assertThat(mail.getHeader("List-Unsubscribe-Post")).containsExactly("List-Unsubscribe=One-Click");
        assertThat(mail.getHeader("List-Id")).containsExactly("<com.example.newsletter.lists.example.com>");
        assertThat(((InternetAddress) mail.getFrom()[0]).getAddress()).isEqualTo("news@example.com");
    }

    @Test
    void missingParameterMissingTemplateAndBadAddressAreDeadLetteredWithReasons() {
        String noParam = UUID.randomUUID().toString();
        String noTemplate = UUID.randomUUID().toString();
        String badAddress = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "c-1", event(noParam, "com.example.invoice.due", "invoice-due", "en", JANE, ""));
        TestKafka.publish(EVENTS, "c-1", event(noTemplate, "com.example.invoice.due", "no-such-template", "en", JANE, ""));
        TestKafka.publish(EVENTS, "c-1", event(badAddress, "com.example.invoice.due", "welcome", "en",
                "{\"email\":\"root@localhost\"}", ""));

        // each event reached its end (a status, published after any send and after its dead letter) before
        // the mailbox is searched for what must not be there: the Message-ID derived from each event
        for (String id : List.of(noParam, noTemplate, badAddress)) {
            assertThat(TestKafka.read(STATUS, r -> isStatusFor(r, id), 1, WAIT, Duration.ZERO)).hasSize(1);
            assertThat(TestSmtp.received(messageIdOf("/test", id))).as("no email for event %s", id).isEmpty();
        }
        assertThat(reasonOfDeadLetter(noParam)).isEqualTo("template-parameter-missing");
        assertThat(reasonOfDeadLetter(noTemplate)).isEqualTo("template-not-found");
        assertThat(reasonOfDeadLetter(badAddress)).isEqualTo("invalid-recipient-address");
    }

    @Test
    void anEmailAlreadyAcceptedIsNotSentAgainWhenTheEventComesBack() throws Exception {
        String id = UUID.randomUUID().toString();
        String json = event(id, "com.example.invoice.due", "welcome", "en", JANE, "");
        TestKafka.publish(EVENTS, "c-42", json);
        MimeMessage first = receivedFor(id);

        // the event-level key is gone (as after a crash before it was stored): only the channel's key holds
        IdempotentRepository events = context.getRegistry().lookupByNameAndType("memoryIdempotency", IdempotentRepository.class);
        assertThat(events.remove("/test\u001f" + id)).isTrue();
        TestKafka.publish(EVENTS, "c-42", json);

        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read(STATUS, r -> isStatusFor(r, id), 2, WAIT, SETTLE);
        assertThat(statuses).extracting(r -> statusData(r).path("status").asText() + "/" + statusData(r).path("reason").asText(""))
                .containsExactly("delivered/", "skipped/already-sent");
        assertThat(TestSmtp.received(first.getMessageID())).hasSize(1);
    }

    @Test
    void connectionsAreReusedAcrossManyEmails() {
        PooledJavaMailSender sender = context.getRegistry().lookupByNameAndType("smtpSender", PooledJavaMailSender.class);
        long connectionsBefore = sender.getConnectionsOpened();
        String batch = UUID.randomUUID().toString().substring(0, 8);
        int total = 300;
        for (int i = 0; i < total; i++) {
            TestKafka.publish(EVENTS, "c-" + (i % 8), event(batch + "-" + i, "com.example.invoice.due", "welcome", "en", JANE, ""));
        }
        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read(STATUS,
                r -> statusData(r).path("eventId").asText().startsWith(batch), total, Duration.ofSeconds(60), SETTLE);
        assertThat(statuses).hasSize(total).allSatisfy(r -> assertThat(statusData(r).path("status").asText()).isEqualTo("delivered"));
        long opened = sender.getConnectionsOpened() - connectionsBefore;
        assertThat(opened).as("connections opened for %d emails", total).isLessThanOrEqualTo(2);
    }

    /**
     * How the start of the Message-ID of an event's email reads: EmailComposer derives it from SHA-256 of
     * source + U+001F + id (the first 16 bytes, hex), then {@code .email@}. The first test checks that a received
     * email's Message-ID starts with it, so a search for it cannot silently match nothing.
     */
    static String messageIdOf(String source, String id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((source + '\u001f' + id).getBytes(StandardCharsets.UTF_8));
            return "<" + HexFormat.of().formatHex(digest, 0, 16) + ".email@";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String reasonOfDeadLetter(String id) {
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.read(DLQ, r -> id.equals(header(r, "notify-dlq-event-id")), 1, WAIT, SETTLE);
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), "notify-dlq-route-id")).isEqualTo("deliver-email");
        return header(dead.get(0), "notify-dlq-reason");
    }
}
