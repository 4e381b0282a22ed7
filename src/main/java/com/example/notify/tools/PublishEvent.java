package com.example.notify.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes example events to the events topic, keyed by recipient like a real producer:
 * {@code bin/publish-event examples/events/invoice-due.json}. Gives each event a fresh id and time unless
 * {@code --keep-id} is passed (so publishing the same file twice shows the duplicate being dropped).
 * With {@code --key K} the files are published as they are under that key (e.g. suppression records).
 */
public final class PublishEvent {

    private PublishEvent() {
    }

    public static void main(String[] args) throws Exception {
        String brokers = "127.0.0.1:19092";
        String topic = "notifications.events";
        boolean keepId = false;
        String fixedKey = null;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--brokers" -> brokers = args[++i];
                case "--topic" -> topic = args[++i];
                case "--keep-id" -> keepId = true;
                case "--key" -> fixedKey = args[++i];
                default -> files.add(Path.of(args[i]));
            }
        }
        if (files.isEmpty()) {
            System.err.println("usage: publish-event [--brokers host:port] [--topic name] [--keep-id] [--key K] FILE...");
            System.exit(2);
        }
        ObjectMapper mapper = new ObjectMapper();
        // TLS/SASL from the environment, like the bundle's (NOTIFY_KAFKA_SECURITY_PROTOCOL, _SASL_*, _SSL_*)
        Map<String, Object> config = new java.util.HashMap<>();
        com.example.notify.kafka.KafkaClientProperties.fromEnvironment(brokers).forEach((k, v) -> config.put((String) k, v));
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            for (Path file : files) {
                byte[] value = Files.readAllBytes(file);
                String key = fixedKey;
                try {
                    if (fixedKey != null) {
                        throw new IllegalStateException("a record of another kind: published as it is");
                    }
                    JsonNode event = mapper.readTree(value);
                    if (event instanceof ObjectNode object && !keepId) {
                        object.put("id", UUID.randomUUID().toString());
                        object.put("time", Instant.now().toString());
                        value = mapper.writeValueAsBytes(object);
                    }
                    JsonNode recipient = event.path("data").path("recipient");
                    key = recipient.hasNonNull("contactId") ? recipient.get("contactId").asText() : null;
                } catch (Exception notAnEvent) {
                    // published as is: a malformed example is dead-lettered, a suppression record taken as it is
                }
                RecordMetadata sent = producer.send(new ProducerRecord<>(topic, key, value)).get();
                System.out.printf("published %s to %s-%d@%d%n", file, sent.topic(), sent.partition(), sent.offset());
            }
        }
    }
}
