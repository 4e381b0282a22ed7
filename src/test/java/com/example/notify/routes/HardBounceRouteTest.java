package com.example.notify.routes;

import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.preferences.RecipientKeys;
import com.example.notify.preferences.SuppressionList;
import com.example.notify.support.ScriptedSmtpServer;
import com.example.notify.support.TestKafka;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.subethamail.smtp.RejectException;

/**
 * SMTP hard bounces close the loop: a real SMTP server (SubEthaSMTP) refuses a recipient the way providers do,
 * the reply table marks it a hard bounce, the address hash goes onto the real suppressions topic (embedded
 * broker), the suppression feed applies it, and the next event to that address is skipped without reaching the
 * relay. Policy refusals (5.7.x) are dead-lettered as before and suppress nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=bounce.events",
            "notify.kafka.topic.status=bounce.status",
            "notify.kafka.topic.dlq=bounce.dlq",
            "notify.kafka.topic.suppressions=bounce.suppressions",
            "notify.kafka.group-id=bounce-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=1000",
            "notify.unsubscribe.enabled=false"
        })
class HardBounceRouteTest {

    static final String EVENTS = "bounce.events";
    static final String STATUS = "bounce.status";
    static final String DLQ = "bounce.dlq";
    static final String SUPPRESSIONS = "bounce.suppressions";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Duration SETTLE = Duration.ofSeconds(1);
    static final ScriptedSmtpServer RELAY = ScriptedSmtpServer.plain(60_000);

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(RELAY.port()));
        TestKafka.createTopics(List.of(EVENTS, STATUS, DLQ), Set.of());
        TestKafka.createTopics(List.of(SUPPRESSIONS), Set.of(SUPPRESSIONS));
        // how different relays say "no such mailbox"; a policy refusal; everyone else is accepted
        RELAY.reply(to -> {
            if (to.startsWith("gone.")) {
                return new RejectException(550, "5.1.1 The email account that you tried to reach does not exist");
            }
            if (to.startsWith("unknown.")) {
                return new RejectException(550, "Requested action not taken: user unknown");
            }
            if (to.startsWith("badname.")) {
                return new RejectException(553, "sorry, mailbox name not allowed");
            }
            if (to.startsWith("spam.")) {
                return new RejectException(550, "5.7.1 Message rejected as spam");
            }
            return null;
        });
    }

    @BeanInject
    CamelContext context;

    @AfterAll
    void stopRelay() {
        RELAY.close();
    }

    private SuppressionList suppressions() {
        return context.getRegistry().lookupByNameAndType("suppressionList", SuppressionList.class);
    }

    private static String publish(String email) {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, email, """
                {"specversion":"1.0","id":"%s","source":"/test","type":"com.example.welcome","data":{
                  "recipient":{"email":"%s"},"channels":["email"],"template":"welcome"}}""".formatted(id, email));
        return id;
    }

    private static String outcome(String eventId) {
        ConsumerRecord<String, byte[]> status = TestKafka.read(STATUS, r -> isStatusFor(r, eventId), 1, WAIT, SETTLE).get(0);
        return statusData(status).path("status").asText() + statusData(status).path("reason").asText("").replaceAll("^(.+)$", "/$1");
    }

    private double hardBounces() {
        var registry = context.getRegistry().findSingleByType(io.micrometer.core.instrument.MeterRegistry.class);
        var counter = registry == null ? null : registry.find("notify_email_feedback_total").tag("kind", "hard-bounce").counter();
        return counter == null ? 0 : counter.count();
    }

    private void assertHardBounceClosesTheLoop(String email, String code) {
        int acceptedBefore = RELAY.accepted.size();
        double bouncesBefore = hardBounces();
        String first = publish(email);
        assertThat(outcome(first)).isEqualTo("bounced/" + code);
        assertThat(hardBounces()).as("notify_email_feedback_total{kind=hard-bounce}").isEqualTo(bouncesBefore + 1);

        List<ConsumerRecord<String, byte[]>> records = TestKafka.read(SUPPRESSIONS,
                r -> r.key().equals(RecipientKeys.addressHash(email)), 1, WAIT, SETTLE);
        assertThat(records).hasSize(1);
        assertThat(new String(records.get(0).value())).contains("\"reason\":\"hard-bounce\"").contains("\"at\":")
                .contains("\"code\":\"" + code + "\"").doesNotContain(email.substring(0, email.indexOf('@')));
        Awaitility.await().atMost(WAIT).until(() -> "hard-bounce".equals(suppressions().reasonFor(email)));
        assertThat(TestKafka.read(DLQ, r -> new String(r.value()).contains(first), 1, Duration.ofSeconds(2), Duration.ZERO))
                .as("a hard bounce is not a dead letter").isEmpty();

        int sessionsBefore = RELAY.sessions.get();
        assertThat(outcome(publish(email))).isEqualTo("skipped/suppressed-hard-bounce");
        assertThat(RELAY.accepted.size()).isEqualTo(acceptedBefore);
        assertThat(RELAY.sessions.get()).as("the suppressed address never reaches the relay").isEqualTo(sessionsBefore);
    }

    @Test
    void enhancedStatus511SuppressesTheAddress() {
        assertHardBounceClosesTheLoop("gone.bounce@example.com", "smtp-recipient-unknown");
    }

    @Test
    void userUnknownInWordsSuppressesTheAddress() {
        assertHardBounceClosesTheLoop("unknown.bounce@example.com", "smtp-recipient-unknown");
    }

    @Test
    void mailboxNameNotAllowedSuppressesTheAddress() {
        assertHardBounceClosesTheLoop("badname.bounce@example.com", "smtp-recipient-invalid");
    }

    @Test
    void policyRefusalIsDeadLetteredAndSuppressesNothing() {
        String email = "spam.bounce@example.com";
        String first = publish(email);
        assertThat(outcome(first)).isEqualTo("dead-lettered/smtp-recipient-rejected");
        assertThat(TestKafka.read(SUPPRESSIONS, r -> r.key().equals(RecipientKeys.addressHash(email)), 1,
                Duration.ofSeconds(3), Duration.ZERO)).isEmpty();
        assertThat(suppressions().reasonFor(email)).isNull();
        assertThat(outcome(publish("fine.bounce@example.com"))).isEqualTo("delivered");
    }
}
