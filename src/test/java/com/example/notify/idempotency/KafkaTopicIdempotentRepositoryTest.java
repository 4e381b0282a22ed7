package com.example.notify.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The store against a real broker: two replicas on one compacted topic, restarts, removal. */
class KafkaTopicIdempotentRepositoryTest {

    private static KafkaTopicIdempotentRepository replica(String topic) {
        KafkaTopicIdempotentRepository repository = new KafkaTopicIdempotentRepository();
        Properties client = new Properties();
        client.put("bootstrap.servers", TestKafka.bootstrapServers());
        repository.setClientConfig(client);
        repository.setTopic(topic);
        repository.start();
        return repository;
    }

    private static String newTopic() {
        String topic = TestKafka.uniqueName("idem");
        TestKafka.createTopics(List.of(topic), Set.of(topic));
        return topic;
    }

    @Test
    void aKeyIsAddedOnceAndRemovedAgain() {
        KafkaTopicIdempotentRepository repository = replica(newTopic());
        try {
            assertThat(repository.contains("a")).isFalse();
            assertThat(repository.add("a")).isTrue();
            assertThat(repository.add("a")).as("already there").isFalse();
            assertThat(repository.contains("a")).isTrue();
            assertThat(repository.remove("a")).isTrue();
            assertThat(repository.contains("a")).isFalse();
        } finally {
            repository.stop();
        }
    }

    @Test
    void aGracefulStopKeepsEveryKeyAndARestartedReplicaIsWarmWithThemAll() {
        String topic = newTopic();
        KafkaTopicIdempotentRepository first = replica(topic);
        for (int i = 0; i < 20_000; i++) {
            first.add("key-" + i);
        }
        first.remove("key-7");
        first.stop(); // right after the last add: the unacknowledged sends must still land
        assertThat(first.getSendFailures()).as("key writes the broker did not acknowledge, on the replica that sent them").isZero();

        KafkaTopicIdempotentRepository restarted = replica(topic);
        try {
            assertThat(restarted.isWarm()).isTrue();
            assertThat(restarted.getSize()).isEqualTo(19_999);
            assertThat(restarted.contains("key-0")).isTrue();
            assertThat(restarted.contains("key-19999")).isTrue();
            assertThat(restarted.contains("key-7")).as("removed by a tombstone").isFalse();
        } finally {
            restarted.stop();
        }
    }

    @Test
    void aKeyOneReplicaStoresIsSeenByTheOtherWhileBothRun() throws InterruptedException {
        String topic = newTopic();
        KafkaTopicIdempotentRepository a = replica(topic);
        KafkaTopicIdempotentRepository b = replica(topic);
        try {
            a.add("from-a");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!b.contains("from-a") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(b.contains("from-a")).isTrue();
            assertThat(b.add("from-a")).as("b knows it: a duplicate").isFalse();
        } finally {
            a.stop();
            b.stop();
        }
    }
}
