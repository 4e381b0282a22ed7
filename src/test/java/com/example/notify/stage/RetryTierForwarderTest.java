package com.example.notify.stage;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.EventSamples;
import com.example.notify.support.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The forwarder against a real broker: a waiting record goes back to its target when due and not before, a head
 * that is not due holds back only its own partition, and what was forwarded is committed.
 */
class RetryTierForwarderTest {

    @Test
    void dueRecordsGoBackToTheirTargetNotBeforeAndAreCommitted() throws Exception {
        String prefix = TestKafka.uniqueName("tiers") + ".retry.";
        String tier = prefix + "30s";
        String target = TestKafka.uniqueName("deliver");
        String group = TestKafka.uniqueName("forwarder");
        TestKafka.createTopics(List.of(tier), 2);
        TestKafka.createTopics(List.of(target), 1);
        RetryTiers tiers = new RetryTiers();
        tiers.setTiers("30s");
        tiers.setTopicPrefix(prefix);
        RetryTierForwarder forwarder = new RetryTierForwarder();
        Properties client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        forwarder.setClientConfig(client);
        forwarder.setTiers(tiers);
        forwarder.setGroupId(group);
        forwarder.setDeadLetterTopic(TestKafka.uniqueName("dlq"));

        long published = System.currentTimeMillis();
        long later = published + 6_000;
        // partition 0: a record not due for 6 s, then one already due (it must wait behind the head)
        TestKafka.publish(tier, 0, "k0", "late", Map.of(RetryTiers.DUE, String.valueOf(later), RetryTiers.TARGET, target, "notify-attempts", "3"));
        TestKafka.publish(tier, 0, "k1", "behind-late", Map.of(RetryTiers.DUE, String.valueOf(published), RetryTiers.TARGET, target));
        // partition 1: due now
        TestKafka.publish(tier, 1, "k2", "due", Map.of(RetryTiers.DUE, String.valueOf(published), RetryTiers.TARGET, target));
        forwarder.start();
        try {
            List<ConsumerRecord<String, byte[]>> first = TestKafka.read(target, r -> true, 1, Duration.ofSeconds(30), Duration.ofSeconds(1));
            assertThat(first).extracting(r -> new String(r.value())).as("only the due partition moved").containsExactly("due");

            List<ConsumerRecord<String, byte[]>> all = TestKafka.read(target, r -> true, 3, Duration.ofSeconds(30), Duration.ofSeconds(1));
            assertThat(all).extracting(r -> new String(r.value())).containsExactly("due", "late", "behind-late");
            ConsumerRecord<String, byte[]> late = all.get(1);
            assertThat(late.timestamp()).as("forwarded when due").isGreaterThanOrEqualTo(later);
            assertThat(late.key()).isEqualTo("k0");
            assertThat(EventSamples.header(late, "notify-attempts")).isEqualTo("3");
            assertThat(EventSamples.header(late, RetryTiers.DUE)).as("the due time stays behind").isNull();
        } finally {
            forwarder.stop();
        }
        assertThat(TestKafka.committedOffsets(group, tier)).isEqualTo(Map.of(0, 2L, 1, 1L));
    }
}
