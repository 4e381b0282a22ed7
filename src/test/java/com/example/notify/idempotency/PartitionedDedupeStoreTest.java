package com.example.notify.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.example.notify.support.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on local RocksDB and a real broker's changelog, with a clock the test moves. */
class PartitionedDedupeStoreTest {

    @TempDir
    Path tmp;

    /** A clock the test sets. */
    static final class TestClock extends Clock {
        volatile Instant now = Instant.parse("2026-12-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static PartitionedDedupeStore store(Path dir, Clock clock, String topic, boolean changelog) {
        PartitionedDedupeStore store = new PartitionedDedupeStore();
        store.setDir(dir.toString());
        store.setWindow("P7D");
        store.setClock(clock);
        store.setTopics(topic);
        if (changelog) {
            Properties client = new Properties();
            client.put("bootstrap.servers", TestKafka.bootstrapServers());
            store.setClientConfig(client);
        }
        store.start();
        return store;
    }

    private static String newTopic() {
        String topic = TestKafka.uniqueName("dedupe");
        TestKafka.createTopics(List.of(topic), 2);
        return topic;
    }

    @Test
    void aDuplicateInsideTheWindowIsDroppedEvenHoursAndManyKeysLaterAndDeliveredAfterIt() {
        TestClock clock = new TestClock();
        // local only (no brokers): the million keys need no changelog round trips to show the window is a time
        PartitionedDedupeStore store = store(tmp.resolve("a"), clock, "t", false);
        TopicPartition tp = new TopicPartition("t", 0);
        try {
            assertThat(store.contains(tp, "evt-1")).isFalse();
            assertThat(store.add(tp, "evt-1")).isTrue();
            for (int i = 0; i < 100_000; i++) { // no key-count bound: the 1,000,000-key case is StoreBench K1
                store.add(tp, "other-" + i);
            }
            clock.advance(Duration.ofHours(1).plusMinutes(1));
            assertThat(store.contains(tp, "evt-1")).as("after 100,000 other keys and > 1 h").isTrue();
            assertThat(store.add(tp, "evt-1")).isFalse();
            clock.advance(Duration.ofDays(6).plusHours(22).plusMinutes(58)); // 1 min before the window ends
            assertThat(store.contains(tp, "evt-1")).as("1 min before the window ends").isTrue();
            clock.advance(Duration.ofMinutes(1));
            assertThat(store.contains(tp, "evt-1")).as("after the window").isFalse();
            assertThat(store.add(tp, "evt-1")).as("delivered again, counted from now").isTrue();
            clock.advance(Duration.ofDays(1));
            assertThat(store.contains(tp, "evt-1")).isTrue();
        } finally {
            store.stop();
        }
    }

    @Test
    void theExchangesKafkaHeadersPickThePartitionAndAnExchangeWithoutThemUsesTheLocalStore() {
        TestClock clock = new TestClock();
        PartitionedDedupeStore store = store(tmp.resolve("a"), clock, "t", false);
        DefaultCamelContext context = new DefaultCamelContext();
        try {
            Exchange fromP1 = new DefaultExchange(context);
            fromP1.getMessage().setHeader(KafkaConstants.TOPIC, "t");
            fromP1.getMessage().setHeader(KafkaConstants.PARTITION, 1);
            assertThat(store.contains(fromP1, "k")).isFalse();
            // the route dropped the headers before the key is added at its end: the partition was remembered
            fromP1.getMessage().removeHeaders("*");
            assertThat(store.add(fromP1, "k")).isTrue();
            assertThat(store.contains(new TopicPartition("t", 1), "k")).isTrue();
            assertThat(store.contains(new TopicPartition("t", 0), "k")).isFalse();

            Exchange plain = new DefaultExchange(context);
            assertThat(store.add(plain, "replayed")).isTrue();
            assertThat(store.contains("replayed")).as("single-argument methods: the same local store").isTrue();
            assertThat(store.openPartitions()).contains(PartitionedDedupeStore.LOCAL);
        } finally {
            store.stop();
        }
    }

    @Test
    void aReplicaWithoutLocalFilesRestoresAPartitionFromTheChangelogAlone() {
        String topic = newTopic();
        TestClock clock = new TestClock();
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        PartitionedDedupeStore first = store(tmp.resolve("first"), clock, topic, true);
        first.add(p0, "old");
        clock.advance(Duration.ofDays(6));
        for (int i = 0; i < 500; i++) {
            first.add(p0, "k" + i);
        }
        first.add(p1, "on-p1");
        first.remove(p0, "k7");
        first.stop();

        clock.advance(Duration.ofDays(1).plusMinutes(1)); // "old" is past the window now, the others are not
        PartitionedDedupeStore second = store(tmp.resolve("second"), clock, topic, true);
        try {
            second.assigned(List.of(p0));
            assertThat(second.getLastRestore()).contains("changelog alone");
            assertThat(second.openPartitions()).containsExactly(p0);
            assertThat(second.contains(p0, "k0")).isTrue();
            assertThat(second.contains(p0, "k499")).isTrue();
            assertThat(second.contains(p0, "k7")).as("removed: a tombstone").isFalse();
            assertThat(second.contains(p0, "old")).as("past the window").isFalse();
            assertThat(second.contains(p0, "on-p1")).as("another partition's key").isFalse();
            assertThat(second.contains(p1, "on-p1")).as("p1 restored on first use").isTrue();
        } finally {
            second.stop();
        }
    }

    @Test
    void aReturningPartitionOpensItsLocalStoreAndReadsOnlyWhatCameAfterItsCheckpoint() throws Exception {
        String topic = newTopic();
        TestClock clock = new TestClock();
        TopicPartition p0 = new TopicPartition(topic, 0);
        PartitionedDedupeStore a = store(tmp.resolve("a"), clock, topic, true);
        PartitionedDedupeStore b = store(tmp.resolve("b"), clock, topic, true);
        try {
            a.assigned(List.of(p0));
            for (int i = 0; i < 100; i++) {
                a.add(p0, "a" + i);
            }
            a.revoked(List.of(p0));
            assertThat(a.openPartitions()).as("revocation closes the partition's store").isEmpty();
            assertThat(Files.exists(tmp.resolve("a").resolve(topic + "-0").resolve("checkpoint"))).as("files kept").isTrue();

            b.assigned(List.of(p0)); // the partition moved: b restores a's keys from the changelog
            assertThat(b.contains(p0, "a42")).isTrue();
            b.add(p0, "from-b");
            b.revoked(List.of(p0));

            long before = a.getRestoredRecords();
            a.assigned(List.of(p0)); // back again
            assertThat(a.getLastRestore()).contains("local store + checkpoint");
            assertThat(a.getRestoredRecords() - before).as("only b's record is read again").isEqualTo(1);
            assertThat(a.contains(p0, "a0")).isTrue();
            assertThat(a.contains(p0, "from-b")).isTrue();
            assertThat(a.add(p0, "from-b")).isFalse();
        } finally {
            a.stop();
            b.stop();
        }
    }

    @Test
    void aRestartOpensTheLocalStoreOfEveryPartitionItHadAndKeepsTheWindow() {
        String topic = newTopic();
        TestClock clock = new TestClock();
        TopicPartition p1 = new TopicPartition(topic, 1);
        PartitionedDedupeStore first = store(tmp.resolve("a"), clock, topic, true);
        first.add(p1, "kept");
        first.stop();
        clock.advance(Duration.ofDays(3));
        PartitionedDedupeStore restarted = store(tmp.resolve("a"), clock, topic, true);
        try {
            restarted.assigned(List.of(p1));
            assertThat(restarted.getLastRestore()).contains("local store + checkpoint").contains(": 0 records");
            assertThat(restarted.contains(p1, "kept")).isTrue();
            clock.advance(Duration.ofDays(4));
            assertThat(restarted.contains(p1, "kept")).as("the window counts from the first sight, not the restart").isFalse();
        } finally {
            restarted.stop();
        }
    }

    @Test
    void aChangelogWriteTheBrokerRefusesFailsTheAddAndLeavesNoKeyBehind() throws Exception {
        String topic = newTopic();
        String changelog = topic + ".dedupe-changelog";
        // the changelog exists and takes no batch of a key's size: the broker refuses every write (as it refuses
        // them when the partition lost its quorum or the principal its ACL), the producer gives up on it
        TestKafka.createTopics(List.of(changelog), Map.of(changelog, Map.of("max.message.bytes", "16",
                "cleanup.policy", "compact,delete")), 2);
        PartitionedDedupeStore store = store(tmp.resolve("a"), new TestClock(), topic, true);
        store.setSendTimeoutSeconds(3);
        TopicPartition p0 = new TopicPartition(topic, 0);
        try {
            Throwable failed = catchThrowable(() -> store.add(p0, "event-secret-id"));
            assertThat(failed).isInstanceOf(IllegalStateException.class).hasMessageContaining("not acknowledged")
                    .hasMessageNotContaining("event-secret-id");
            assertThat(store.getSendFailures()).isEqualTo(1);
            // the exchange fails, its offset is not committed, the record is read again: it is not its own duplicate
            assertThat(store.contains(p0, "event-secret-id")).isFalse();

            try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestKafka.bootstrapServers()))) {
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, changelog), List.of(
                        new AlterConfigOp(new ConfigEntry("max.message.bytes", "1048588"), AlterConfigOp.OpType.SET))))
                        .all().get();
            }
            store.setSendTimeoutSeconds(30);
            assertThat(store.add(p0, "event-secret-id")).as("the retry, once the broker takes writes again").isTrue();
            assertThat(store.add(p0, "event-secret-id")).as("and a duplicate after it").isFalse();
        } finally {
            store.stop();
        }
    }
}
