package com.example.notify.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.EventSamples;
import com.example.notify.support.ScriptedSmtpServer;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestTemplates;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The channel stage against a real broker and a real SMTP server that takes 150 ms per message: an events topic
 * of ONE partition still gets many emails in flight at once (concurrency per channel, not per partition), one
 * recipient's emails arrive in the order they were published, and both stages commit everything they finished.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=staged.events",
            "notify.kafka.topic.status=staged.status",
            "notify.kafka.topic.dlq=staged.dlq",
            "notify.kafka.group-id=staged-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.pool-size=8",
            "notify.email.concurrency=8",
            "notify.smtp.per-second=1000",
            "notify.retry.channel.initial-delay-ms=100",
            "notify.retry.tiers=1s,2s",
            "notify.email.retry-horizon=14s"
        })
class StagedDeliveryTest {

    static final String EVENTS = "staged.events";
    static final String DELIVER = "staged.events.deliver.email";
    static final int OTHERS = 40;
    static final int ORDERED = 6;
    static final ScriptedSmtpServer SMTP = ScriptedSmtpServer.plain(60_000);
    static final AtomicInteger inFlight = new AtomicInteger();
    static final AtomicInteger maxInFlight = new AtomicInteger();
    /** Recipients in the order the server saw their messages. */
    static final List<String> arrivals = new CopyOnWriteArrayList<>();
    /** Until when (epoch ms) the server answers 451 to flaky* recipients; hopeless* always get 451. */
    static volatile long flakyUntil;
    static final java.util.Map<String, Integer> attemptsFor = new java.util.concurrent.ConcurrentHashMap<>();
    /** When (epoch ms) the server took each recipient's message. */
    static final java.util.Map<String, Long> arrivedAt = new java.util.concurrent.ConcurrentHashMap<>();

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(SMTP.port()));
        System.setProperty("notify.email.templates-dir", TestTemplates.subjectIsEventId("staged").toString());
        TestKafka.createTopics(List.of(EVENTS), 1);
        TestKafka.createTopics(List.of("staged.status", "staged.dlq"), java.util.Set.of());
        SMTP.reply(to -> {
            if (to.startsWith("hopeless") || (to.startsWith("flaky") && System.currentTimeMillis() < flakyUntil)) {
                attemptsFor.merge(to, 1, Integer::sum);
                return new org.subethamail.smtp.RejectException(451, "4.3.0 try again later");
            }
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            arrivals.add(to);
            arrivedAt.putIfAbsent(to, System.currentTimeMillis());
            try {
                Thread.sleep(150);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            return null;
        });
    }

    @AfterAll
    void stopSmtp() {
        SMTP.close();
        System.clearProperty("notify.smtp.port");
        System.clearProperty("notify.email.templates-dir");
    }

    private static String event(String id, String address) {
        return """
                {"specversion":"1.0","id":"%s","source":"/staged","type":"com.example.staged",
                 "data":{"recipient":{"email":"%s"},"channels":["email"],"template":"staged"}}
                """.formatted(id, address);
    }

    @Test
    void oneEventPartitionStillDeliversConcurrentlyInRecipientOrderAndCommitsAll() {
        String run = TestKafka.uniqueName("s");
        List<String> ordered = new ArrayList<>();
        for (int i = 0; i < OTHERS + ORDERED; i++) {
            if (i % 7 == 3 && ordered.size() < ORDERED) {
                // one recipient (one key), distinct addresses so the server can tell the messages apart
                String address = "ordered%d-%s@example.com".formatted(ordered.size(), run);
                ordered.add(address);
                TestKafka.publish(EVENTS, "the-same-recipient", event(run + "-" + i, address));
            } else {
                TestKafka.publish(EVENTS, "recipient-" + i, event(run + "-" + i, "r%d-%s@example.com".formatted(i, run)));
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> SMTP.accepted.stream().filter(m -> subject(m).startsWith(run)).count()
                == OTHERS + ORDERED);

        assertThat(maxInFlight.get()).as("emails in flight at once from one events partition").isGreaterThanOrEqualTo(4);
        assertThat(arrivals.stream().filter(ordered::contains).toList()).as("one recipient's emails in publish order")
                .containsExactlyElementsOf(ordered);
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(TestKafka.committedOffsets("staged-test", EVENTS)).isEqualTo(TestKafka.endOffsets(EVENTS));
            assertThat(TestKafka.committedOffsets("staged-test-email", DELIVER)).isEqualTo(TestKafka.endOffsets(DELIVER));
        });
    }

    @Test
    void aTransientFailureWaitsOnTheRetryTiersWhileOthersFlowAndPastTheHorizonIsDeadLettered() {
        String run = TestKafka.uniqueName("t");
        String flaky = "flaky-" + run + "@example.com";
        String hopeless = "hopeless-" + run + "@example.com";
        flakyUntil = System.currentTimeMillis() + 8_000; // room for a loaded machine; within the 14 s horizon
        TestKafka.publish(EVENTS, flaky, event(run + "-flaky", flaky));
        TestKafka.publish(EVENTS, hopeless, event(run + "-hopeless", hopeless));
        for (int i = 0; i < 10; i++) {
            TestKafka.publish(EVENTS, "other-" + i, event(run + "-" + i, "other%d-%s@example.com".formatted(i, run)));
        }
        // the others go out at once, not behind the failing ones (same partition: the topic has one)
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> SMTP.accepted.stream().filter(m -> subject(m).startsWith(run + "-")
                && !subject(m).endsWith("flaky")).count() == 10);
        assertThat(System.currentTimeMillis()).as("the others did not wait for the flaky recipient").isLessThan(flakyUntil);

        // the flaky one: failed (waiting on a tier), then delivered once the server takes it, never dead-lettered
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> SMTP.accepted.stream().anyMatch(m -> subject(m).equals(run + "-flaky")));
        List<String> flakyStatuses = TestKafka.read("staged.status", r -> EventSamples.isStatusFor(r, run + "-flaky"), 2,
                Duration.ofSeconds(30), Duration.ofSeconds(1)).stream().map(r -> EventSamples.statusData(r).path("status").asText()).toList();
        assertThat(flakyStatuses).contains("failed", "delivered").doesNotContain("dead-lettered");

        // the hopeless one: tiers until the next attempt would fall past the 14 s horizon, then a dead letter
        List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> dead = TestKafka.read("staged.dlq",
                r -> (run + "-hopeless").equals(EventSamples.header(r, "notify-dlq-event-id")), 1, Duration.ofSeconds(60), Duration.ofSeconds(2));
        assertThat(dead).hasSize(1);
        assertThat(EventSamples.header(dead.get(0), "notify-dlq-reason")).startsWith("smtp-");
        int attempts = Integer.parseInt(EventSamples.header(dead.get(0), "notify-dlq-attempts"));
        assertThat(attempts).as("attempts across the tiers").isGreaterThan(3).isEqualTo(attemptsFor.get(hopeless));
        assertThat(TestKafka.read("staged.dlq", r -> (run + "-flaky").equals(EventSamples.header(r, "notify-dlq-event-id")), 1,
                Duration.ofSeconds(2), Duration.ZERO)).isEmpty();
    }

    @Test
    void aRetryComesBackToItsLanesTopic() {
        String run = TestKafka.uniqueName("l");
        String hopelessLow = "hopeless-low-" + run + "@example.com";
        TestKafka.publish(EVENTS, hopelessLow, event(run + "-hopelesslow", hopelessLow).replace("\"template\":\"staged\"",
                "\"template\":\"staged\",\"priority\":\"low\""));
        java.util.function.Predicate<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> lowRecord =
                r -> new String(r.value(), java.nio.charset.StandardCharsets.UTF_8).contains(run + "-hopelesslow");
        // a bound, not a timing: the low lane yields while the normal lane has worked in the last 2 s (the test
        // before this one may leave it busy on a loaded machine)
        assertThat(TestKafka.read(EVENTS + ".deliver.email.low", lowRecord, 2, Duration.ofSeconds(90), Duration.ofSeconds(1)))
                .as(() -> "staged to the low lane, and handed back there by the retry tier; meanwhile: retry tier 1s "
                        + TestKafka.read(EVENTS + ".retry.1s", lowRecord, 9, Duration.ofSeconds(1), Duration.ZERO).size()
                        + " record(s), dead letters " + TestKafka.read("staged.dlq", lowRecord, 9, Duration.ofSeconds(1), Duration.ZERO).size()
                        + ", statuses " + TestKafka.read("staged.status", r -> EventSamples.isStatusFor(r, run + "-hopelesslow"), 9,
                                Duration.ofSeconds(1), Duration.ZERO).stream().map(r -> EventSamples.statusData(r).path("status").asText()).toList())
                .hasSizeGreaterThanOrEqualTo(2);
        assertThat(TestKafka.read(EVENTS + ".deliver.email", lowRecord, 0, Duration.ofSeconds(2), Duration.ZERO))
                .as("never in the normal lane").isEmpty();
    }

    @Test
    void aScheduledSendIsAcceptedAtOnceWaitsOnTheTiersAndGoesOutAtItsTime() {
        String run = TestKafka.uniqueName("s");
        String later = "later-" + run + "@example.com";
        String past = "past-" + run + "@example.com";
        // past the last tier's delay (2 s here): it hops from tier to tier
        long at = System.currentTimeMillis() + 7_000;
        java.time.OffsetDateTime deliverAt = java.time.Instant.ofEpochMilli(at).atOffset(java.time.ZoneOffset.ofHours(1));
        TestKafka.publish(EVENTS, later, withDeliverAt(event(run + "-later", later), deliverAt.toString()));
        TestKafka.publish(EVENTS, past, withDeliverAt(event(run + "-past", past), deliverAt.minusHours(2).toString()));

        List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> scheduled = TestKafka.read("staged.status",
                r -> EventSamples.isStatusFor(r, run + "-later") && "scheduled".equals(EventSamples.statusData(r).path("status").asText()),
                1, Duration.ofSeconds(30), Duration.ZERO);
        assertThat(scheduled).as("accepted at once as scheduled").hasSize(1);
        assertThat(java.time.OffsetDateTime.parse(EventSamples.statusData(scheduled.get(0)).path("deliverAt").asText()).toInstant())
                .isEqualTo(deliverAt.toInstant());
        assertThat(arrivedAt).as("not before its time").doesNotContainKey(later);

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> arrivedAt.containsKey(later));
        assertThat(arrivedAt.get(later)).as("not before deliverat").isGreaterThanOrEqualTo(at)
                .as("and soon after it (a bound for a loaded machine)").isLessThan(at + 15_000);
        assertThat(arrivedAt).as("one already due goes at once").containsKey(past);
        assertThat(TestKafka.read("staged.status", r -> EventSamples.isStatusFor(r, run + "-past")
                && "scheduled".equals(EventSamples.statusData(r).path("status").asText()), 1, Duration.ofSeconds(2), Duration.ZERO))
                .isEmpty();
        assertThat(TestKafka.read("staged.status", r -> EventSamples.isStatusFor(r, run + "-later")
                && "delivered".equals(EventSamples.statusData(r).path("status").asText()), 1, Duration.ofSeconds(30), Duration.ZERO))
                .hasSize(1);
    }

    @Test
    void quietHoursDeferANotificationUntilTheRecipientsWindowEnds() {
        String run = TestKafka.uniqueName("q");
        String night = "night-" + run + "@example.com";
        // a window of the type (UTC: the recipient has no contact) that ends a few seconds from now
        long end = (System.currentTimeMillis() + 7_000) / 1000 * 1000;
        java.time.LocalTime endUtc = java.time.Instant.ofEpochMilli(end).atZone(java.time.ZoneOffset.UTC).toLocalTime();
        System.setProperty("notify.quiet-hours.type.com.example.quiet", endUtc.minusMinutes(5) + "-" + endUtc);
        try {
            TestKafka.publish(EVENTS, night, event(run + "-night", night).replace("com.example.staged", "com.example.quiet"));
            List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> deferred = TestKafka.read("staged.status",
                    r -> EventSamples.isStatusFor(r, run + "-night") && "deferred".equals(EventSamples.statusData(r).path("status").asText()),
                    1, Duration.ofSeconds(30), Duration.ZERO);
            assertThat(deferred).hasSize(1);
            assertThat(EventSamples.statusData(deferred.get(0)).path("reason").asText()).isEqualTo("quiet-hours");
            assertThat(java.time.Instant.parse(EventSamples.statusData(deferred.get(0)).path("notBefore").asText()).toEpochMilli())
                    .isEqualTo(end);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> arrivedAt.containsKey(night));
            assertThat(arrivedAt.get(night)).as("not inside the window").isGreaterThanOrEqualTo(end);
        } finally {
            System.clearProperty("notify.quiet-hours.type.com.example.quiet");
        }
    }

    private static String withDeliverAt(String event, String deliverAt) {
        return event.replace("\"specversion\":\"1.0\",", "\"specversion\":\"1.0\",\"deliverat\":\"" + deliverAt + "\",");
    }

    private static String subject(byte[] message) {
        try {
            return new MimeMessage(jakarta.mail.Session.getInstance(new Properties()), new ByteArrayInputStream(message)).getSubject();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
