package com.example.notify.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.ScriptedSmtpServer;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestTemplates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The priority lane against a real broker and a relay that takes 200 ms per message: with a bulk backlog that
 * keeps the email channel's normal lanes busy for half a minute, events with priority high (published to the
 * priority events topic, as producers of such events do) and a transactional type (published to the normal
 * topic like any other) go out within a couple of seconds, ahead of the backlog.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=prio.events",
            "notify.kafka.topic.status=prio.status",
            "notify.kafka.topic.dlq=prio.dlq",
            "notify.kafka.group-id=prio-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.pool-size=4",
            "notify.email.concurrency=2",
            "notify.email.priority-concurrency=2",
            "notify.smtp.per-second=1000",
            "notify.preferences.transactional-types=com.example.security.*"
        })
class PriorityLaneTest {

    static final String EVENTS = "prio.events";
    static final int BULK = 150;
    static final ScriptedSmtpServer SMTP = ScriptedSmtpServer.plain(60_000);
    /** When (epoch ms) the relay was handed each recipient's message. */
    static final Map<String, Long> arrivedAt = new ConcurrentHashMap<>();

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(SMTP.port()));
        System.setProperty("notify.email.templates-dir", TestTemplates.subjectIsEventId("prio").toString());
        TestKafka.createTopics(List.of(EVENTS, EVENTS + ".priority", "prio.status", "prio.dlq"), java.util.Set.of());
        SMTP.reply(to -> {
            arrivedAt.put(to, System.currentTimeMillis());
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
    }

    @AfterAll
    void stopSmtp() {
        SMTP.close();
        System.clearProperty("notify.smtp.port");
        System.clearProperty("notify.email.templates-dir");
    }

    private static String event(String id, String type, String address, String priority) {
        return """
                {"specversion":"1.0","id":"%s","source":"/prio","type":"%s",
                 "data":{"recipient":{"email":"%s"},"channels":["email"],"template":"prio"%s}}
                """.formatted(id, type, address, priority == null ? "" : ",\"priority\":\"" + priority + "\"");
    }

    private static long arrived(String prefix) {
        return arrivedAt.keySet().stream().filter(a -> a.startsWith(prefix)).count();
    }

    @Test
    void urgentEventsOvertakeABulkBacklog() throws Exception {
        String run = TestKafka.uniqueName("p");
        for (int i = 0; i < BULK; i++) {
            TestKafka.publish(EVENTS, "bulk-" + i, event(run + "-bulk-" + i, "com.example.newsletter", "bulk%d-%s@example.com".formatted(i, run), null));
        }
        // the backlog is flowing: 2 lanes x 200 ms = 10 emails/s, 15 s for all of it
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> arrived("bulk") >= 10);

        List<String> urgent = new ArrayList<>();
        Map<String, Long> publishedAt = new ConcurrentHashMap<>();
        for (int i = 0; i < 6; i++) {
            String address = "urgent%d-%s@example.com".formatted(i, run);
            urgent.add(address);
            publishedAt.put(address, System.currentTimeMillis());
            if (i % 2 == 0) {
                // priority high, on the priority topic
                TestKafka.publish(EVENTS + ".priority", "urgent-" + i, event(run + "-urgent-" + i, "com.example.alert", address, "high"));
            } else {
                // a transactional type, on the normal topic: ingest is quick, the lane is chosen when it is staged
                TestKafka.publish(EVENTS, "urgent-" + i, event(run + "-urgent-" + i, "com.example.security.reset", address, null));
            }
            Thread.sleep(300);
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> urgent.stream().allMatch(arrivedAt::containsKey));
        long bulkWhenUrgentDone = arrived("bulk");
        long slowest = urgent.stream().mapToLong(a -> arrivedAt.get(a) - publishedAt.get(a)).max().orElseThrow();
        System.out.printf("PRIORITY-LANE urgent-ms=%s slowest=%d bulk-delivered-by-then=%d of %d%n",
                urgent.stream().map(a -> arrivedAt.get(a) - publishedAt.get(a)).toList(), slowest, bulkWhenUrgentDone, BULK);
        for (int i = 0; i < urgent.size(); i++) {
            long ms = arrivedAt.get(urgent.get(i)) - publishedAt.get(urgent.get(i));
            // on the priority topic nothing is ahead of it at all; on the normal topic only ingest's own queue
            assertThat(ms).as("ms from publish to the relay, urgent email %d", i).isLessThan(i % 2 == 0 ? 2_000 : 5_000);
        }
        assertThat(bulkWhenUrgentDone).as("the backlog was still draining").isLessThan(BULK - 20);
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> arrived("bulk") == BULK);
    }

    @Test
    void theLowLaneYieldsToTheNormalLaneAndResumesWhenItIsIdle() throws Exception {
        String run = TestKafka.uniqueName("y");
        int n = 30;
        for (int i = 0; i < n; i++) {
            TestKafka.publish(EVENTS, "low-" + i, event(run + "-low-" + i, "com.example.newsletter", "lowy%d-%s@example.com".formatted(i, run), "low"));
        }
        // the normal lane is idle: the low lane has the channel to itself
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> arrived("lowy") >= 2);
        for (int i = 0; i < n; i++) {
            TestKafka.publish(EVENTS, "norm-" + i, event(run + "-norm-" + i, "com.example.newsletter", "norm%d-%s@example.com".formatted(i, run), null));
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> arrived("norm") == n);
        long firstNormal = arrivedAt.entrySet().stream().filter(e -> e.getKey().startsWith("norm")).mapToLong(Map.Entry::getValue).min().orElseThrow();
        long lastNormal = arrivedAt.entrySet().stream().filter(e -> e.getKey().startsWith("norm")).mapToLong(Map.Entry::getValue).max().orElseThrow();
        // once the normal lane has started, low deliveries already past their permit may finish (one per low lane,
        // 200 ms each); after that none until the normal lane is done
        long lowMeanwhile = arrivedAt.entrySet().stream().filter(e -> e.getKey().startsWith("lowy"))
                .filter(e -> e.getValue() > firstNormal + 500 && e.getValue() < lastNormal).count();
        long lowByThen = arrived("lowy");
        System.out.printf("LOW-LANE yield: normal %d in %d ms, low delivered meanwhile=%d, low by then=%d of %d%n",
                n, lastNormal - firstNormal, lowMeanwhile, lowByThen, n);
        assertThat(lowMeanwhile).as("low deliveries while the normal lane had work").isZero();
        assertThat(lowByThen).as("the low backlog waited").isLessThan(n);
        // the normal lane idle for notify.priority.low-yield-ms: the low lane resumes and finishes its backlog
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> arrived("lowy") == n);
    }
}
