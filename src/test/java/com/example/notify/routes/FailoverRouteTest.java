package com.example.notify.routes;

import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.ScriptedSmtpServer;
import com.example.notify.support.SesEmulator;
import com.example.notify.support.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.subethamail.smtp.RejectException;

/** Provider failover: SMTP (a scripted real server) first, the SES emulator when SMTP fails transiently. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=failover.events",
            "notify.kafka.topic.status=failover.status",
            "notify.kafka.topic.dlq=failover.dlq",
            "notify.kafka.group-id=failover-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.email.provider=failover",
            "notify.email.failover.window=10",
            "notify.email.failover.minimum-calls=4",
            "notify.email.failover.failure-rate-percent=50",
            "notify.email.failover.open-seconds=60",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.ses.access-key-id=test",
            "notify.ses.secret-access-key=test",
            "notify.retry.max-redeliveries=0",
            "notify.retry.channel.in-place-redeliveries=0",
            "notify.email.retry-horizon=0s"
        })
class FailoverRouteTest {

    static final ScriptedSmtpServer SMTP = ScriptedSmtpServer.plain(60_000);
    static final Duration WAIT = Duration.ofSeconds(60); // an upper bound: the first test also waits for every stage's group to join
    static final AtomicCounter SMTP_ATTEMPTS = new AtomicCounter();

    static final class AtomicCounter extends java.util.concurrent.atomic.AtomicInteger {
    }

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(SMTP.port()));
        System.setProperty("notify.ses.endpoint-override", SesEmulator.endpoint());
        TestKafka.createTopics(List.of("failover.events", "failover.status", "failover.dlq"), Set.of());
        SMTP.reply(to -> {
            SMTP_ATTEMPTS.incrementAndGet();
            // a policy refusal: permanent, not a hard bounce (those end as bounced, HardBounceRouteTest)
            return to.startsWith("gone") ? new RejectException(550, "5.7.1 message refused by policy")
                    : to.startsWith("busy") ? new RejectException(421, "4.3.2 try later") : null;
        });
    }

    private static String publish(String email) {
        String id = UUID.randomUUID().toString();
        TestKafka.publish("failover.events", "c-1", """
                {"specversion":"1.0","id":"%s","source":"/test","type":"t","data":{
                  "recipient":{"email":"%s"},"channels":["email"],"template":"welcome"}}""".formatted(id, email));
        return id;
    }

    private static ConsumerRecord<String, byte[]> status(String id) {
        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read("failover.status", r -> isStatusFor(r, id), 1, WAIT, Duration.ofMillis(500));
        assertThat(statuses).hasSize(1);
        return statuses.get(0);
    }

    @Test
    @Order(1)
    void primaryServesWhileItWorks() {
        String id = publish("jane.doe@example.com");
        assertThat(statusData(status(id)).path("provider").asText()).isEqualTo("smtp");
    }

    @Test
    @Order(2)
    void permanentRejectionDoesNotFailOver() {
        String id = publish("gone@example.com");
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.read("failover.dlq", r -> id.equals(header(r, "notify-dlq-event-id")), 1, WAIT, Duration.ofMillis(500));
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), "notify-dlq-reason")).isEqualTo("smtp-recipient-rejected");
        assertThat(SesEmulator.store().toString()).doesNotContain("gone@example.com");
    }

    @Test
    @Order(3)
    void transientFailureFailsOverAndAnOpenCircuitSkipsThePrimary() {
        for (int i = 0; i < 4; i++) {
            String id = publish("busy" + i + "@example.com");
            assertThat(statusData(status(id)).path("provider").asText()).as("failed over").isEqualTo("ses");
        }
        int attemptsWhenOpen = SMTP_ATTEMPTS.get();
        String id = publish("jane.doe@example.com");
        assertThat(statusData(status(id)).path("provider").asText()).as("circuit open: straight to SES").isEqualTo("ses");
        assertThat(SMTP_ATTEMPTS.get()).isEqualTo(attemptsWhenOpen);
    }
}
