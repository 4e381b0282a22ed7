package com.example.notify.tools;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Prints a topic's records from the beginning, headers included, then follows it:
 * {@code bin/tail-topic notifications.dlq}. For looking at status events and dead letters by hand.
 */
public final class TailTopic {

    private TailTopic() {
    }

    public static void main(String[] args) {
        String brokers = "127.0.0.1:19092";
        String topic = null;
        for (int i = 0; i < args.length; i++) {
            if ("--brokers".equals(args[i])) {
                brokers = args[++i];
            } else {
                topic = args[i];
            }
        }
        if (topic == null) {
            System.err.println("usage: tail-topic [--brokers host:port] TOPIC");
            System.exit(2);
        }
        // TLS/SASL from the environment, like the bundle's (NOTIFY_KAFKA_SECURITY_PROTOCOL, _SASL_*, _SSL_*)
        Map<String, Object> config = new java.util.HashMap<>();
        com.example.notify.kafka.KafkaClientProperties.fromEnvironment(brokers).forEach((k, v) -> config.put((String) k, v));
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (true) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    System.out.printf("%s-%d@%d key=%s%n", record.topic(), record.partition(), record.offset(), record.key());
                    for (Header header : record.headers()) {
                        System.out.printf("  %s: %s%n", header.key(), new String(header.value(), StandardCharsets.UTF_8));
                    }
                    System.out.printf("  %s%n", record.value() == null ? "(null)" : new String(record.value(), StandardCharsets.UTF_8));
                }
            }
        }
    }
}
