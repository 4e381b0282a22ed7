package com.example.notify.routes;

import static com.example.notify.support.EventSamples.event;
import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.PermanentFailureException;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Redelivery and dead letters with faults injected into the email channel's entry route and into the
 * dead-letter publish (the channel's real delivery is not built yet; the fault stands in for it).
 * Kafka is real.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=errors.events",
            "notify.kafka.topic.status=errors.status",
            "notify.kafka.topic.dlq=errors.dlq",
            "notify.kafka.group-id=errors-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.retry.max-redeliveries=2",
            "notify.retry.initial-delay-ms=100",
            "notify.retry.backoff-multiplier=2",
            "notify.retry.channel.in-place-redeliveries=2",
            "notify.retry.channel.initial-delay-ms=100",
            "notify.email.retry-horizon=0s",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false"
        })
class ErrorHandlingRouteTest {

    static final String EVENTS = "errors.events";
    static final String STATUS = "errors.status";
    static final String DLQ = "errors.dlq";
    static final Duration WAIT = Duration.ofSeconds(60); // an upper bound: the first test also waits for every stage's group to join
    static final Duration SETTLE = Duration.ofSeconds(2);

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestKafka.createTopics(List.of(EVENTS, STATUS, DLQ), Set.of());
    }

    /** Attempts seen by the channel, per event id, with their times (ms). */
    final Map<String, List<Long>> attempts = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> deadLetterPublishes = new ConcurrentHashMap<>();
    boolean advised;

    @BeanInject
    CamelContext context;

    @BeforeEach
    void injectFaults() throws Exception {
        if (advised) {
            return;
        }
        advised = true;
        AdviceWith.adviceWith(context, "send-email", a -> a.weaveById("compose-email").before().process(this::channelFault));
        AdviceWith.adviceWith(context, "write-dead-letter", a -> a.weaveById("publish-dead-letter").before().process(this::deadLetterFault));
    }

    private void channelFault(Exchange exchange) throws Exception {
        String id = exchange.getProperty("notifyEvent", NotificationEvent.class).getId();
        List<Long> seen = attempts.computeIfAbsent(id, k -> new java.util.concurrent.CopyOnWriteArrayList<>());
        seen.add(System.currentTimeMillis());
        if (id.startsWith("flaky-") && seen.size() <= 2) {
            throw new IOException("connection reset");
        }
        if (id.startsWith("down-") || id.startsWith("dlqdown-")) {
            throw new IOException("SMTP 421 for <jane.doe@example.com>");
        }
        if (id.startsWith("rejected-")) {
            throw new PermanentFailureException("recipient-rejected", "550 mailbox unavailable");
        }
    }

    private void deadLetterFault(Exchange exchange) {
        String id = exchange.getProperty("notifyEvent", NotificationEvent.class).getId();
        int n = deadLetterPublishes.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        if (id.startsWith("dlqdown-") && n == 1) {
            throw new IllegalStateException("dead-letter topic unavailable");
        }
    }

    @Test
    void transientFailureIsRedeliveredWithBackoffThenDelivered() {
        String id = "flaky-" + UUID.randomUUID();
        TestKafka.publish(EVENTS, "c-1", event(id, "/billing", "email"));

        List<ConsumerRecord<String, byte[]>> statuses = statuses(id, 3);
        assertThat(statuses).extracting(r -> statusData(r).path("status").asText() + "/" + statusData(r).path("attempt").asText("")
                        + "/" + statusData(r).path("reason").asText(""))
                .containsExactly("failed/1/IOException", "failed/2/IOException", "delivered//");
        assertThat(attempts.get(id)).hasSize(3);
        List<Long> times = attempts.get(id);
        // ±15 % jitter (collision avoidance) around 100 ms, then 200 ms
        assertThat(times.get(1) - times.get(0)).as("first backoff").isGreaterThanOrEqualTo(80);
        assertThat(times.get(2) - times.get(1)).as("second backoff doubles").isGreaterThanOrEqualTo(160);
        assertThat(deadLetters(id, 0)).isEmpty();
    }

    @Test
    void exhaustedRetriesEndInOneDeadLetterWithTheCauseMasked() {
        String id = "down-" + UUID.randomUUID();
        TestKafka.publish(EVENTS, "c-2", event(id, "/billing", "email"));

        List<ConsumerRecord<String, byte[]>> dead = deadLetters(id, 1);
        assertThat(dead).hasSize(1);
        ConsumerRecord<String, byte[]> letter = dead.get(0);
        assertThat(header(letter, "notify-dlq-reason")).isEqualTo("retries-exhausted");
        assertThat(header(letter, "notify-dlq-attempts")).isEqualTo("3");
        assertThat(header(letter, "notify-dlq-exception-class")).isEqualTo("java.io.IOException");
        assertThat(header(letter, "notify-dlq-exception-message")).isEqualTo("SMTP 421 for <j***@example.com>");
        assertThat(header(letter, "notify-dlq-route-id")).isEqualTo("deliver-email");
        assertThat(header(letter, "notify-dlq-channel")).isEqualTo("email");
        assertThat(letter.value()).isEqualTo(event(id, "/billing", "email").getBytes());
        assertThat(attempts.get(id)).hasSize(3);
        assertThat(statuses(id, 3)).extracting(r -> statusData(r).path("status").asText())
                .containsExactly("failed", "failed", "dead-lettered");
    }

    @Test
    void permanentFailureIsDeadLetteredWithoutRetry() {
        String id = "rejected-" + UUID.randomUUID();
        TestKafka.publish(EVENTS, "c-3", event(id, "/billing", "email"));

        List<ConsumerRecord<String, byte[]>> dead = deadLetters(id, 1);
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), "notify-dlq-reason")).isEqualTo("recipient-rejected");
        assertThat(header(dead.get(0), "notify-dlq-attempts")).isEqualTo("1");
        assertThat(attempts.get(id)).hasSize(1);
    }

    @Test
    void failedDeadLetterPublishLeavesTheRecordUncommittedAndItIsReadAgain() {
        String id = "dlqdown-" + UUID.randomUUID();
        TestKafka.publish(EVENTS, "c-4", event(id, "/billing", "email"));

        List<ConsumerRecord<String, byte[]>> dead = deadLetters(id, 1);
        assertThat(dead).as("dead-lettered once, on the second reading").hasSize(1);
        assertThat(deadLetterPublishes.get(id).get()).isEqualTo(2);
        assertThat(attempts.get(id)).as("two readings of three attempts each").hasSize(6);
        Awaitility.await().atMost(WAIT).untilAsserted(() ->
                assertThat(TestKafka.committedOffsets("errors-test", EVENTS)).isEqualTo(TestKafka.endOffsets(EVENTS)));
    }

    private List<ConsumerRecord<String, byte[]>> statuses(String eventId, int expected) {
        return TestKafka.read(STATUS, r -> isStatusFor(r, eventId), expected, WAIT, SETTLE);
    }

    private List<ConsumerRecord<String, byte[]>> deadLetters(String eventId, int expected) {
        return TestKafka.read(DLQ, r -> eventId.equals(header(r, "notify-dlq-event-id")), expected,
                expected == 0 ? SETTLE : WAIT, SETTLE);
    }
}
