package com.example.notify.kafka;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the embedded broker before the routes start when {@code notify.kafka.embedded.enabled=true} (the
 * dev profile), creates the bundle's topics on it, and stops it after Camel has stopped.
 */
public class EmbeddedKafkaListener extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaListener.class);
    private EmbeddedKafkaBroker broker;

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        PropertiesComponent pc = main.getCamelContext().getPropertiesComponent();
        if (!Boolean.parseBoolean(pc.resolveProperty("notify.kafka.embedded.enabled").orElse("false"))) {
            return;
        }
        int port = Integer.parseInt(pc.resolveProperty("notify.kafka.embedded.port").orElse("19092"));
        Path dir = Path.of(pc.resolveProperty("notify.kafka.embedded.dir").orElse("target/embedded-kafka"));
        long started = System.nanoTime();
        broker = EmbeddedKafkaBroker.start(dir, port);
        int partitions = Integer.parseInt(pc.resolveProperty("notify.kafka.embedded.partitions").orElse("4"));
        Map<String, Map<String, String>> topics = topicConfigs(pc::resolveProperty);
        broker.createTopics(topics.keySet(), topics, partitions);
        LOG.info("Embedded Kafka broker on {} with topics {} ({} ms, data in {})", broker.bootstrapServers(),
                Arrays.toString(topics.keySet().toArray()), (System.nanoTime() - started) / 1_000_000, dir);
    }

    @Override
    public void afterStop(BaseMainSupport main) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /**
     * The topics the bundle creates on the embedded broker, each with its configs: retention for every topic it
     * writes (records hold addresses and names: events, status, dead letters, Pardot-deferred, delivery topics, retry
     * tiers, the priority twins), compaction for the idempotency store and the suppressions feed, and a size limit on the
     * events topic (a record above notify.event.max-bytes is only dead-lettered; with this limit its dead letter
     * stays far below the producer's 1 MiB).
     */
    static Map<String, Map<String, String>> topicConfigs(Function<String, Optional<String>> property) {
        Map<String, Map<String, String>> topics = new LinkedHashMap<>();
        BiConsumer<Optional<String>, String> withRetention = (topic, key) -> topic.ifPresent(name -> {
            Map<String, String> configs = topics.computeIfAbsent(name, t -> new LinkedHashMap<>());
            property.apply("notify.kafka.retention." + key + "-ms").ifPresent(ms -> configs.put("retention.ms", ms));
        });
        withRetention.accept(property.apply("notify.kafka.topic.events"), "events");
        withRetention.accept(property.apply("notify.kafka.topic.status"), "status");
        withRetention.accept(property.apply("notify.kafka.topic.dlq"), "dlq");
        withRetention.accept(property.apply("notify.kafka.topic.pardot-deferred"), "pardot-deferred");
        // digest items wait here until their window closes (at most a day for an until window): 3 d
        withRetention.accept(property.apply("notify.kafka.topic.digest"), "digest");
        for (String channel : property.apply("notify.channels").orElse("").split(",")) {
            if (!channel.isBlank()) {
                withRetention.accept(property.apply("notify.kafka.topic.deliver." + channel.strip()), "deliver");
            }
        }
        // the retry tiers (notify.retry.tiers, one topic per tier <retry-prefix><label>, shared by the channels and the
        // priority lane): written by every channel stage, holding whole delivery records while they wait
        property.apply("notify.kafka.topic.retry-prefix").filter(prefix -> !prefix.isBlank()).ifPresent(prefix -> {
            for (String tier : property.apply("notify.retry.tiers").orElse("").split(",")) {
                if (!tier.isBlank()) {
                    withRetention.accept(Optional.of(prefix + tier.strip()), "retry");
                }
            }
        });
        property.apply("notify.kafka.topic.events").ifPresent(events -> topics.get(events).put("max.message.bytes",
                property.apply("notify.kafka.events.max-message-bytes").orElse("262144")));
        property.apply("notify.kafka.topic.idempotency").ifPresent(store ->
                topics.computeIfAbsent(store, t -> new LinkedHashMap<>()).put("cleanup.policy", "compact"));
        // read whole by every replica (key: address or its hash, empty value lifts it): compacted, as in production;
        // the consumer's auto-creation would make it a delete topic of the broker's default retention
        property.apply("notify.kafka.topic.suppressions").ifPresent(feed ->
                topics.computeIfAbsent(feed, t -> new LinkedHashMap<>()).put("cleanup.policy", "compact"));
        // the priority lane's topics (notify.priority.topic-suffix): producers publish to the events one, so it exists
        // from the start; same configs as their normal twins
        List<String> twins = List.copyOf(topics.keySet());
        property.apply("notify.priority.topic-suffix").filter(suffix -> !suffix.isBlank()).ifPresent(suffix -> {
            for (String twin : twins) {
                if (twin.equals(property.apply("notify.kafka.topic.events").orElse(null)) || isDeliveryTopic(twin, property)) {
                    topics.put(twin + suffix, new LinkedHashMap<>(topics.get(twin)));
                }
            }
        });
        // the low lane's delivery topics (notify.priority.low-topic-suffix), like their normal twins
        property.apply("notify.priority.low-topic-suffix").filter(suffix -> !suffix.isBlank()).ifPresent(suffix -> {
            for (String twin : twins) {
                if (isDeliveryTopic(twin, property)) {
                    topics.put(twin + suffix, new LinkedHashMap<>(topics.get(twin)));
                }
            }
        });
        // the dedupe store's changelogs (notify.idempotency.topics): same partitions as their topics, compact and
        // deleted after the window (the store would create them too; here they exist before the first assignment)
        property.apply("notify.idempotency.window").ifPresent(window -> {
            String retention = Long.toString(java.time.Duration.parse(window.strip()).toMillis());
            String suffix = property.apply("notify.idempotency.changelog-suffix").orElse(".dedupe-changelog");
            for (String topic : property.apply("notify.idempotency.topics").orElse("").split(",")) {
                if (!topic.isBlank()) {
                    Map<String, String> configs = new LinkedHashMap<>();
                    configs.put("cleanup.policy", "compact,delete");
                    configs.put("retention.ms", retention);
                    topics.put(topic.strip() + suffix, configs);
                }
            }
        });
        return topics;
    }

    private static boolean isDeliveryTopic(String topic, Function<String, Optional<String>> property) {
        for (String channel : property.apply("notify.channels").orElse("").split(",")) {
            if (!channel.isBlank() && property.apply("notify.kafka.topic.deliver." + channel.strip()).filter(topic::equals).isPresent()) {
                return true;
            }
        }
        return false;
    }
}
