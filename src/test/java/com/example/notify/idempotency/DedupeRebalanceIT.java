package com.example.notify.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.BundleProcess;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The production dedupe store across two packaged bundle processes (like the fault suite): a second replica
 * joins and takes partitions over, one replica is killed with kill -9 mid-stream and the other takes all its
 * partitions; events published again after each move are dropped by the replica that now owns their partition
 * (it restored the keys from the changelog, or from its local store and checkpoint).
 */
class DedupeRebalanceIT {

    static final Path LOGS = Path.of("target/dedupe-rebalance");
    /** What a kill -9 can repeat: the record in flight per ingest consumer and per lane of the email stage. */
    static final int IN_FLIGHT = 2 + 2 * 4;
    final List<BundleProcess> bundles = new ArrayList<>();
    final Map<String, String> topics = new LinkedHashMap<>();
    String run;
    Path templates;

    @AfterEach
    void stopBundles() {
        bundles.forEach(b -> b.process.destroyForcibly());
    }

    @Test
    void duplicatesPublishedAfterAPartitionMovedAreDropped() throws Exception {
        run = "dr-" + TestKafka.uniqueName("r").substring(2);
        for (String t : List.of("events", "status", "dlq", "idempotency", "suppressions", "pardot-deferred")) {
            topics.put(t, run + "." + t);
        }
        TestKafka.createTopics(List.of(topics.get("events"), topics.get("status"), topics.get("dlq"), topics.get("pardot-deferred")), Set.of());
        TestKafka.createTopics(List.of(topics.get("idempotency"), topics.get("suppressions")),
                Set.of(topics.get("idempotency"), topics.get("suppressions")));
        templates = Files.createTempDirectory("dedupe-templates");
        Files.createDirectories(templates.resolve("fault"));
        Files.writeString(templates.resolve("fault/subject.ftl"), "${event.id}");
        Files.writeString(templates.resolve("fault/text.ftl"), "dedupe ${event.id}");

        // 1. one replica owns every partition
        BundleProcess a = start("a");
        assertThat(a.awaitReady(Duration.ofSeconds(90))).as("replica a ready").isTrue();
        List<String> first = publish("first", 120);
        waitFor("first batch mailed", () -> mailedOnce(first), Duration.ofSeconds(90));

        // 2. a second replica joins: the group rebalances, b now owns some partitions it never saw
        BundleProcess b = start("b");
        assertThat(b.awaitReady(Duration.ofSeconds(90))).as("replica b ready").isTrue();
        publish("first", 120); // the same events again: each lands on the partition it was first seen on
        List<String> marker1 = publish("marker1", 40);
        waitFor("marker batch mailed after the rebalance", () -> mailedOnce(marker1), Duration.ofSeconds(90));
        Map<String, Long> counts = counts();
        assertThat(first).as("duplicates after the rebalance, mailed again").allMatch(id -> counts.getOrDefault(id, 0L) == 1);

        // 3. kill -9 of a mid-stream: b takes all partitions, a's from their changelog
        List<String> second = publish("second", 200);
        waitFor("part of the second batch mailed", () -> mailed().size() >= 120 + 40 + 60, Duration.ofSeconds(90));
        a.kill();
        waitFor("second batch mailed by b", () -> counts().keySet().containsAll(second), Duration.ofSeconds(120));
        Map<String, Long> beforeRepeat = counts();
        long inFlightRepeats = second.stream().mapToLong(id -> beforeRepeat.get(id) - 1).sum();
        assertThat(inFlightRepeats).as("what a kill -9 can repeat (in flight)").isLessThanOrEqualTo(IN_FLIGHT);

        publish("first", 120);
        publish("second", 200);
        List<String> marker2 = publish("marker2", 40);
        waitFor("marker batch mailed after the kill", () -> mailedOnce(marker2), Duration.ofSeconds(90));
        Map<String, Long> after = counts();
        for (String id : first) {
            assertThat(after.get(id)).as("first-batch event republished after the kill").isEqualTo(1L);
        }
        for (String id : second) {
            assertThat(after.get(id)).as("second-batch event republished after the kill").isEqualTo(beforeRepeat.get(id));
        }

        // 4. a comes back (its local store and checkpoint): the group rebalances again, duplicates still dropped
        BundleProcess a2 = start("a");
        assertThat(a2.awaitReady(Duration.ofSeconds(90))).as("replica a ready again").isTrue();
        publish("first", 120);
        List<String> marker3 = publish("marker3", 40);
        waitFor("marker batch mailed after a's return", () -> mailedOnce(marker3), Duration.ofSeconds(90));
        Map<String, Long> last = counts();
        assertThat(first).as("after a's return").allMatch(id -> last.get(id) == 1L);
        System.out.printf("DEDUPE-REBALANCE mailed=%d in-flight-repeats-at-kill=%d%n", mailed().size(), inFlightRepeats);
    }

    /** Publishes events {@code batch}-0 … -(n-1) of the run (ids fixed by batch and index: publishing again repeats them). */
    private List<String> publish(String batch, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = run + "-" + batch + "-" + i;
            // keyed by recipient, as producers do: a repeat lands on the partition of the first
            TestKafka.publish(topics.get("events"), "r" + i, """
                    {"specversion":"1.0","id":"%s","source":"/dedupe","type":"com.example.fault","time":"%s",
                     "data":{"recipient":{"email":"d%d@example.com"},"channels":["email"],"template":"fault"}}
                    """.formatted(id, Instant.now(), i));
            ids.add(id);
        }
        return ids;
    }

    private BundleProcess start(String name) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("notify.kafka.brokers", TestKafka.bootstrapServers());
        topics.forEach((t, topic) -> p.put("notify.kafka.topic." + t, topic));
        p.put("notify.kafka.group-id", run);
        p.put("notify.idempotency.repository", "dedupeStore");
        p.put("notify.idempotency.dir", LOGS.resolve(run + "-" + name).toAbsolutePath().toString());
        p.put("camel.component.kafka.session-timeout-ms", "10000");
        p.put("camel.component.kafka.heartbeat-interval-ms", "2000");
        p.put("notify.email.templates-dir", templates.toString());
        p.put("notify.smtp.host", "127.0.0.1");
        p.put("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        p.put("notify.smtp.username", TestSmtp.USER);
        p.put("notify.smtp.password", TestSmtp.PASSWORD);
        p.put("notify.smtp.starttls", "false");
        p.put("notify.smtp.starttls-required", "false");
        p.put("notify.smtp.per-second", "2000");
        p.put("notify.email.concurrency", "4");
        p.put("notify.smtp.pool-size", "4");
        p.put("notify.politeness.limit", "100000");
        Files.createDirectories(LOGS);
        BundleProcess bundle = BundleProcess.start(p, LOGS.resolve(run + "-" + name + ".log"), "-Xmx384m");
        bundles.add(bundle);
        return bundle;
    }

    private List<String> mailed() {
        List<String> subjects = new ArrayList<>();
        for (MimeMessage m : TestSmtp.server().getReceivedMessages()) {
            try {
                if (m.getSubject() != null && m.getSubject().startsWith(run + "-")) {
                    subjects.add(m.getSubject());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return subjects;
    }

    private Map<String, Long> counts() {
        return mailed().stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private boolean mailedOnce(List<String> ids) {
        return counts().keySet().containsAll(ids);
    }

    private void waitFor(String what, Supplier<Boolean> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("timed out after %d s waiting for %s (mailed %d)".formatted(timeout.toSeconds(), what, mailed().size()));
            }
            Thread.sleep(300);
        }
    }
}
