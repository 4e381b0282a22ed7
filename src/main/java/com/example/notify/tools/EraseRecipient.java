package com.example.notify.tools;

import com.example.notify.kafka.KafkaClientProperties;
import com.example.notify.preferences.RecipientKeys;
import com.example.notify.preferences.RecordRecipients;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Erases a recipient from what the bundle keeps (a GDPR-style request), as an operator command:
 * {@code bin/erase-recipient --email ADDRESS | --contact-id ID [--dry-run]}.
 * <ol>
 * <li>Reads every topic of the bundle (names starting with {@code --topic-prefix}) from its start to its end and
 *     finds the records about the recipient (key, value or header naming the address or contact id).</li>
 * <li>On compacted topics, writes a tombstone for each such record's key: the broker's compaction removes them.</li>
 * <li>Suppresses every address found (given, or named by the records of a contact id) with reason
 *     {@code erased}, keyed by the address hash only: nothing is sent to it again, also not from a delivery record
 *     that waits on a retry tier (the channel stages ask the suppression list again), and dead-letter replays skip
 *     its records. A suppression keyed by the address in clear is replaced by a tombstone.</li>
 * <li>Reports, per topic with time-based retention, how many records are about the recipient and the time by
 *     which retention has removed the last of them: Kafka cannot delete single records from such a topic, so
 *     they are left to expire (none of them is delivered or replayed meanwhile).</li>
 * </ol>
 * The report names the recipient by hash only; the command prints no address.
 */
public final class EraseRecipient {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** A topic that cannot be read to its end within this (a partition without a leader) stops the command. */
    static final Duration SCAN_LIMIT = Duration.ofMinutes(10);

    private EraseRecipient() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("brokers", "127.0.0.1:19092", "topic-prefix", "notifications.",
                "suppressions-topic", "notifications.suppressions"));
        boolean dryRun = false;
        for (int i = 0; i < args.length; i++) {
            if ("--dry-run".equals(args[i])) {
                dryRun = true;
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                options.put(args[i].substring(2), args[++i]);
            } else {
                usage();
            }
        }
        if (!options.containsKey("email") && !options.containsKey("contact-id")) {
            usage();
        }
        if ("-".equals(options.get("email"))) {
            // from stdin: an address on the command line stays in the shell's history and in ps
            options.put("email", new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine());
        }
        RecordRecipients.Person person = new RecordRecipients.Person(options.get("email"), options.get("contact-id"));
        Properties client = KafkaClientProperties.fromEnvironment(options.get("brokers"));
        ObjectNode report = erase(client, person, options.get("topic-prefix"), options.get("suppressions-topic"), dryRun);
        System.out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        if (report.path("suppressedAddressHashes").isEmpty()) {
            System.err.println("erase-recipient: no record names an address for this contact id, so nothing could be suppressed:"
                    + " give the address as well (--email - reads it from stdin)");
            System.exit(3);
        }
    }

    private static void usage() {
        System.err.println("usage: erase-recipient (--email ADDRESS|- | --contact-id ID) [--dry-run] [--brokers host:port]"
                + " [--topic-prefix notifications.] [--suppressions-topic notifications.suppressions]");
        System.exit(2);
    }

    /** What was found per topic. */
    private static final class Found {
        final Set<String> records = new java.util.HashSet<>();
        long lastTimestamp = -1;
        final Set<String> keys = new LinkedHashSet<>();
    }

    /** Finds, tombstones and suppresses (unless a dry run); returns the report. */
    public static ObjectNode erase(Properties client, RecordRecipients.Person person, String topicPrefix, String suppressionsTopic,
                                   boolean dryRun) throws ExecutionException, InterruptedException {
        Map<String, Config> configs;
        try (Admin admin = Admin.create(client)) {
            Set<String> topics = new TreeSet<>(admin.listTopics().names().get());
            topics.removeIf(t -> !t.startsWith(topicPrefix) && !t.equals(suppressionsTopic));
            List<ConfigResource> resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            configs = new LinkedHashMap<>();
            admin.describeConfigs(resources).all().get().forEach((resource, config) -> configs.put(resource.name(), config));
        }
        Set<String> addresses = new LinkedHashSet<>();
        if (person.email() != null) {
            addresses.add(person.email());
        }
        Map<String, Found> found = new LinkedHashMap<>();
        for (String topic : configs.keySet()) {
            found.put(topic, new Found());
            scan(client, topic, person, addresses, found.get(topic));
        }
        // records of a contact id name its address: the records that name only that address are the person's too
        for (String address : new ArrayList<>(addresses)) {
            if (!address.equals(person.email())) {
                for (String topic : configs.keySet()) {
                    scan(client, topic, new RecordRecipients.Person(address, null), new LinkedHashSet<>(), found.get(topic));
                }
            }
        }

        ObjectNode report = MAPPER.createObjectNode().put("dryRun", dryRun);
        ArrayNode hashes = report.putArray("suppressedAddressHashes");
        addresses.forEach(a -> hashes.add(RecipientKeys.addressHash(a)));
        ArrayNode topicsReport = report.putArray("topics");
        Instant goneBy = Instant.now();
        try (KafkaProducer<byte[], byte[]> producer = dryRun ? null : producer(client)) {
            for (Map.Entry<String, Found> entry : found.entrySet()) {
                String topic = entry.getKey();
                Found f = entry.getValue();
                if (f.records.isEmpty()) {
                    continue;
                }
                Config config = configs.get(topic);
                String policy = value(config, TopicConfig.CLEANUP_POLICY_CONFIG, "delete");
                long retentionMs = Long.parseLong(value(config, TopicConfig.RETENTION_MS_CONFIG, "604800000"));
                ObjectNode t = topicsReport.addObject().put("topic", topic).put("records", f.records.size()).put("cleanupPolicy", policy);
                if (policy.contains("compact")) {
                    // the hash-keyed suppression is what keeps the recipient suppressed: it is rewritten below, not removed
                    Set<String> keys = new LinkedHashSet<>(f.keys);
                    if (topic.equals(suppressionsTopic)) {
                        addresses.forEach(a -> keys.remove(RecipientKeys.addressHash(a)));
                    }
                    if (producer != null) {
                        for (String key : keys) {
                            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), null)).get();
                        }
                    }
                    t.put("tombstonedKeys", keys.size());
                }
                if (policy.contains("delete") && retentionMs >= 0 && f.lastTimestamp >= 0) {
                    Instant expires = Instant.ofEpochMilli(f.lastTimestamp).plusMillis(retentionMs);
                    t.put("expiresBy", expires.toString());
                    goneBy = expires.isAfter(goneBy) ? expires : goneBy;
                } else if (!policy.contains("compact")) {
                    t.put("expiresBy", "never (no time retention on this topic: set retention.ms)");
                }
            }
            if (producer != null) {
                for (String address : addresses) {
                    byte[] value = MAPPER.createObjectNode().put("reason", "erased").put("at", Instant.now().toString())
                            .toString().getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(suppressionsTopic, RecipientKeys.addressHash(address).getBytes(StandardCharsets.UTF_8),
                            value)).get();
                }
            }
        }
        report.put("allGoneBy", goneBy.toString());
        return report;
    }

    /** Reads the topic from its start to its end as of now; addresses named by the person's records are added. */
    private static void scan(Properties client, String topic, RecordRecipients.Person person, Set<String> addresses, Found found) {
        Properties config = new Properties();
        config.putAll(client);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "200");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            long deadline = System.nanoTime() + SCAN_LIMIT.toNanos();
            while (!end.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " could not be read to its end within " + SCAN_LIMIT
                            + " (partitions " + end.keySet() + " unavailable?); nothing was written");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    Map<String, byte[]> headers = new HashMap<>();
                    for (Header h : record.headers()) {
                        headers.put(h.key(), h.value());
                    }
                    if (RecordRecipients.concerns(person, record.key(), record.value(), headers)) {
                        found.records.add(record.partition() + "@" + record.offset());
                        found.lastTimestamp = Math.max(found.lastTimestamp, record.timestamp());
                        if (record.key() != null) {
                            found.keys.add(new String(record.key(), StandardCharsets.UTF_8));
                        }
                        addresses.addAll(RecordRecipients.addresses(record.value(), headers.get("notify-contact")));
                    }
                }
                end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(Properties client) {
        Properties config = new Properties();
        config.putAll(client);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config);
    }

    private static String value(Config config, String name, String fallback) {
        var entry = config == null ? null : config.get(name);
        return entry == null || entry.value() == null ? fallback : entry.value();
    }
}
