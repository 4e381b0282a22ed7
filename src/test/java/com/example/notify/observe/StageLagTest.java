package com.example.notify.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.stage.RetryTierForwarder;
import com.example.notify.stage.RetryTiers;
import com.example.notify.support.TestKafka;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stages' lag as Prometheus reads it, against the test's real broker: records published, offsets committed
 * by real consumers of each group, and a real retry tier forwarder holding an overdue head.
 */
class StageLagTest {

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final DefaultCamelContext context = new DefaultCamelContext();
    final String group = TestKafka.uniqueName("lag");
    final String events = TestKafka.uniqueName("lag-events");
    final String retryPrefix = events + ".retry.";
    StageLag lag;
    RetryTierForwarder forwarder;

    @AfterEach
    void stop() throws Exception {
        if (lag != null) {
            lag.stop();
        }
        if (forwarder != null) {
            forwarder.stop();
        }
        context.close();
    }

    private StageLag stageLag(RetryTiers tiers, RetryTierForwarder forwarder) {
        Properties props = new Properties();
        props.put("notify.kafka.topic.deliver.email", events + ".deliver.email");
        props.put("notify.kafka.topic.deliver.pardot", events + ".deliver.pardot");
        context.getPropertiesComponent().setInitialProperties(props);
        context.start();
        StageLag l = new StageLag();
        l.setCamelContext(context);
        l.setClientConfig(clientConfig());
        l.setGroupId(group);
        l.setEventsTopic(events);
        l.setChannels("email, pardot");
        l.setRetryTiers(tiers);
        l.setRetryForwarder(forwarder);
        return l;
    }

    private static Properties clientConfig() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        return p;
    }

    private RetryTiers tiers() {
        RetryTiers tiers = new RetryTiers();
        tiers.setTiers("30s,2m");
        tiers.setTopicPrefix(retryPrefix);
        return tiers;
    }

    /** Commits {@code offsets} (partition → offset) of {@code topic} as a member of {@code group} would. */
    private static void commit(String group, String topic, Map<Integer, Long> offsets) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            offsets.forEach((p, o) -> commit.put(new TopicPartition(topic, p), new OffsetAndMetadata(o)));
            consumer.commitSync(commit);
        }
    }

    private String scrape() {
        return registry.scrape();
    }

    @Test
    void eachStageReportsItsGroupsLagAsPrometheusReadsIt() throws Exception {
        String email = events + ".deliver.email";
        String pardot = events + ".deliver.pardot";
        String tier30s = retryPrefix + "30s";
        TestKafka.createTopics(List.of(events, email, pardot, tier30s), 2);
        // events: 4 + 3 on two partitions, the ingest group committed 3 and 1 → 3 behind
        for (int i = 0; i < 4; i++) {
            TestKafka.publish(events, 0, "k", "{}", Map.of());
        }
        for (int i = 0; i < 3; i++) {
            TestKafka.publish(events, 1, "k", "{}", Map.of());
        }
        commit(group, events, Map.of(0, 3L, 1, 1L));
        // email: 5 records, its group never committed → all 5 (consumers start at the earliest offset)
        for (int i = 0; i < 5; i++) {
            TestKafka.publish(email, i % 2, "k" + i, "{}", Map.of());
        }
        // pardot: 2 records, all committed → 0
        TestKafka.publish(pardot, 0, "k", "{}", Map.of());
        TestKafka.publish(pardot, 1, "k", "{}", Map.of());
        commit(group + "-pardot", pardot, Map.of(0, 1L, 1, 1L));
        // 30 s tier: 2 waiting; the 2 m tier's topic does not exist yet → 0
        TestKafka.publish(tier30s, 0, "k", "{}", Map.of());
        TestKafka.publish(tier30s, 0, "k", "{}", Map.of());

        RetryTiers tiers = tiers();
        lag = stageLag(tiers, new RetryTierForwarder());
        lag.bindTo(registry);
        String before = scrape();
        assertThat(before).as("series exist before the first collection, unknown until then")
                .contains("notify_consumer_lag{channel=\"email\",group=\"" + group + "-email\",stage=\"channel\",tier=\"none\"} NaN");

        lag.collectNow();
        String metrics = scrape();
        assertThat(metrics)
                .contains("notify_consumer_lag{channel=\"none\",group=\"" + group + "\",stage=\"ingest\",tier=\"none\"} 3.0")
                .contains("notify_consumer_lag{channel=\"email\",group=\"" + group + "-email\",stage=\"channel\",tier=\"none\"} 5.0")
                .contains("notify_consumer_lag{channel=\"pardot\",group=\"" + group + "-pardot\",stage=\"channel\",tier=\"none\"} 0.0")
                .contains("notify_consumer_lag{channel=\"none\",group=\"" + group + "-retry\",stage=\"retry\",tier=\"30s\"} 2.0")
                .contains("notify_consumer_lag{channel=\"none\",group=\"" + group + "-retry\",stage=\"retry\",tier=\"2m\"} 0.0")
                .contains("notify_retry_overdue_seconds{tier=\"30s\"} 0.0");

        // the ingest group catches up on partition 0, more email arrives: the next collection follows
        commit(group, events, Map.of(0, 4L, 1, 1L));
        TestKafka.publish(email, 0, "k", "{}", Map.of());
        lag.collectNow();
        assertThat(scrape())
                .contains("notify_consumer_lag{channel=\"none\",group=\"" + group + "\",stage=\"ingest\",tier=\"none\"} 2.0")
                .contains("notify_consumer_lag{channel=\"email\",group=\"" + group + "-email\",stage=\"channel\",tier=\"none\"} 6.0");

        // a reloaded route file makes a new bean on the same registry: its gauges replace the stopped one's
        lag.stop();
        lag = stageLag(tiers, new RetryTierForwarder());
        lag.bindTo(registry);
        assertThat(scrape()).as("the new bean has not read yet")
                .contains("notify_consumer_lag{channel=\"email\",group=\"" + group + "-email\",stage=\"channel\",tier=\"none\"} NaN");
        lag.collectNow();
        assertThat(scrape())
                .contains("notify_consumer_lag{channel=\"email\",group=\"" + group + "-email\",stage=\"channel\",tier=\"none\"} 6.0");
    }

    @Test
    void aTierHeadThatCannotBeForwardedShowsOverdueUntilItGoesOut() throws Exception {
        String tier30s = retryPrefix + "30s";
        String target = events + ".deliver.email";
        TestKafka.createTopics(List.of(events, tier30s, retryPrefix + "2m", target), 1);
        long due = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
        // its target is not a valid topic name: the forwarder cannot put it back and keeps it as the tier's head
        TestKafka.publish(tier30s, 0, "k", "{\"n\":1}", Map.of(RetryTiers.DUE, String.valueOf(due),
                RetryTiers.TARGET, "no such topic!"));
        // the 2 m tier's head is not due for an hour: waiting, not overdue
        TestKafka.publish(retryPrefix + "2m", 0, "k", "{\"n\":2}", Map.of(RetryTiers.DUE,
                String.valueOf(System.currentTimeMillis() + Duration.ofHours(1).toMillis()), RetryTiers.TARGET, target));

        RetryTiers tiers = tiers();
        forwarder = new RetryTierForwarder();
        forwarder.setTiers(tiers);
        forwarder.setClientConfig(clientConfig());
        forwarder.setGroupId(group + "-retry");
        forwarder.setDeadLetterTopic(events + ".dlq");
        lag = stageLag(tiers, forwarder);
        lag.bindTo(registry);
        assertThat(scrape()).contains("notify_retry_overdue_seconds{tier=\"30s\"} 0.0");
        forwarder.start();

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> forwarder.oldestDueByTopic().containsKey(tier30s)
                && forwarder.oldestDueByTopic().containsKey(retryPrefix + "2m"));
        assertThat(forwarder.oldestDueByTopic()).containsEntry(tier30s, due);
        double overdue = lag.overdueSeconds(tier30s, System.currentTimeMillis());
        assertThat(overdue).isBetween(600.0, 700.0);
        assertThat(scrape()).containsPattern("notify_retry_overdue_seconds\\{tier=\"30s\"} 6[0-9][0-9]\\.")
                .contains("notify_retry_overdue_seconds{tier=\"2m\"} 0.0");
        // through the forwarder's restarts after each failed forward (2 s apart), the head stays reported
        Thread.sleep(5_000);
        assertThat(forwarder.oldestDueByTopic()).containsEntry(tier30s, due);

        forwarder.stop();
    }

    @Test
    void aForwardedHeadLeavesNothingOverdue() throws Exception {
        String tier = retryPrefix + "30s";
        String target = events + ".deliver.email";
        TestKafka.createTopics(List.of(events, tier, target), 1);
        long due = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
        TestKafka.publish(tier, 0, "k", "{\"n\":3}", Map.of(RetryTiers.DUE, String.valueOf(due), RetryTiers.TARGET, target));

        RetryTiers tiers = tiers();
        forwarder = new RetryTierForwarder();
        forwarder.setTiers(tiers);
        forwarder.setClientConfig(clientConfig());
        forwarder.setGroupId(group + "-retry");
        forwarder.setDeadLetterTopic(events + ".dlq");
        lag = stageLag(tiers, forwarder);
        lag.bindTo(registry);
        forwarder.start();

        assertThat(TestKafka.read(target, r -> new String(r.value()).contains("\"n\":3"), 1, Duration.ofSeconds(60), Duration.ZERO))
                .hasSize(1);
        // forwarded and committed: no head left (a head kept after its commit would read ~600 s overdue)
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> TestKafka.committedOffsets(group + "-retry", tier)
                .getOrDefault(0, 0L) == 1L);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !forwarder.oldestDueByTopic().containsKey(tier));
        assertThat(scrape()).contains("notify_retry_overdue_seconds{tier=\"30s\"} 0.0");
        lag.collectNow();
        assertThat(scrape()).contains("notify_consumer_lag{channel=\"none\",group=\"" + group + "-retry\",stage=\"retry\",tier=\"30s\"} 0.0");
    }
}
