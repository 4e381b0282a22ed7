package com.example.notify.kafka;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;
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
        Set<String> topics = new LinkedHashSet<>();
        for (String key : new String[] {"events", "status", "dlq"}) {
            pc.resolveProperty("notify.kafka.topic." + key).ifPresent(topics::add);
        }
        Set<String> compacted = pc.resolveProperty("notify.kafka.topic.idempotency").stream().collect(Collectors.toSet());
        topics.addAll(compacted);
        int partitions = Integer.parseInt(pc.resolveProperty("notify.kafka.embedded.partitions").orElse("4"));
        java.util.Map<String, java.util.Map<String, String>> configs = new java.util.HashMap<>();
        compacted.forEach(topic -> configs.put(topic, java.util.Map.of("cleanup.policy", "compact")));
        // the events topic refuses what ingest would dead-letter as payload-too-large anyway, with room for
        // headers: its largest record plus the dead-letter headers stays far below the producer's 1 MiB
        pc.resolveProperty("notify.kafka.topic.events").ifPresent(events -> configs.put(events, java.util.Map.of(
                "max.message.bytes", pc.resolveProperty("notify.kafka.events.max-message-bytes").orElse("262144"))));
        broker.createTopics(topics, configs, partitions);
        LOG.info("Embedded Kafka broker on {} with topics {} ({} ms, data in {})", broker.bootstrapServers(),
                Arrays.toString(topics.toArray()), (System.nanoTime() - started) / 1_000_000, dir);
    }

    @Override
    public void afterStop(BaseMainSupport main) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }
}
