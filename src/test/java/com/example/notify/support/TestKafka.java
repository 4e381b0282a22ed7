package com.example.notify.support;

import com.example.notify.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One real Kafka broker for the whole test JVM (started on first use, on a free port), and the few client
 * operations the tests need: publish, read a topic back, read committed offsets.
 */
public final class TestKafka {

    private static EmbeddedKafkaBroker broker;
    private static Path logDir;
    private static int port;
    private static KafkaProducer<String, byte[]> producer;

    private TestKafka() {
    }

    public static synchronized String bootstrapServers() {
        if (logDir != null) {
            return "127.0.0.1:" + port;
        }
        if (broker == null) {
            try {
                logDir = Files.createTempDirectory("notify-test-kafka");
                broker = EmbeddedKafkaBroker.start(logDir, 0);
                String servers = broker.bootstrapServers();
                port = Integer.parseInt(servers.substring(servers.lastIndexOf(':') + 1));
                producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()));
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    producer.close();
                    if (broker != null) {
                        broker.close();
                    }
                }));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return broker.bootstrapServers();
    }

    /** Stops the broker (fault tests); {@link #startBroker()} brings it back with its log and port. */
    public static synchronized void stopBroker() {
        bootstrapServers();
        broker.close();
        broker = null;
    }

    public static synchronized void startBroker() {
        if (broker == null) {
            broker = EmbeddedKafkaBroker.start(logDir, port);
        }
    }

    /** Creates the topics (4 partitions each; the ones named in {@code compacted} compacted). */
    public static void createTopics(List<String> topics, Set<String> compacted) {
        bootstrapServers();
        broker.createTopics(topics, compacted, 4);
    }

    /** Creates the topics with {@code partitions} partitions each and the given topic configs per topic. */
    public static void createTopics(List<String> topics, Map<String, Map<String, String>> configs, int partitions) {
        bootstrapServers();
        broker.createTopics(topics, configs, partitions);
    }

    /** Creates the topics with {@code partitions} partitions each, none compacted. */
    public static void createTopics(List<String> topics, int partitions) {
        bootstrapServers();
        broker.createTopics(topics, Set.of(), partitions);
    }

    public static void publish(String topic, String key, byte[] value, Map<String, String> headers) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((name, v) -> record.headers().add(new RecordHeader(name, v.getBytes())));
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Publishes to one partition (for tests of partition-level behaviour). */
    public static void publish(String topic, int partition, String key, String value, Map<String, String> headers) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, partition, key, value.getBytes());
        headers.forEach((name, v) -> record.headers().add(new RecordHeader(name, v.getBytes())));
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static void publish(String topic, String key, String value) {
        publish(topic, key, value.getBytes(), Map.of());
    }

    /**
     * Reads the topic from the beginning until {@code expected} records match {@code filter} or the timeout
     * passes, then keeps reading for {@code settle} to catch records that should not be there.
     *
     * <p>With {@code expected} 0 (asserting that nothing matches) it reads for the whole {@code timeout}, which
     * must therefore cover the time an unwanted record would take to appear, and fails unless it read at
     * least every record the topic held when the read began: an empty result must mean "looked, none there",
     * never "did not look". The timeout must be positive (a zero one would never poll); {@code settle} may be 0.
     */
    public static List<ConsumerRecord<String, byte[]>> read(String topic, Predicate<ConsumerRecord<String, byte[]>> filter,
                                                            int expected, Duration timeout, Duration settle) {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout
                    + ": a read that never polls returns an empty list whatever is on " + topic
                    + ", so asserting on it proves nothing");
        }
        if (settle == null || settle.isNegative()) {
            throw new IllegalArgumentException("settle must be zero or positive, was " + settle);
        }
        if (expected < 0) {
            throw new IllegalArgumentException("expected must be zero or positive, was " + expected);
        }
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, byte[]>> matched = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> endAtStart = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (filter.test(record)) {
                        matched.add(record);
                    }
                }
                if (expected > 0 && matched.size() >= expected && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + settle.toNanos();
                }
            }
            if (expected == 0) {
                for (Map.Entry<TopicPartition, Long> end : endAtStart.entrySet()) {
                    long position = consumer.position(end.getKey(), Duration.ofSeconds(10));
                    if (position < end.getValue()) {
                        throw new IllegalStateException("read of " + end.getKey() + " stopped at offset " + position
                                + " before the end it had when the read began (" + end.getValue() + ") within " + timeout
                                + ": finding nothing there would prove nothing");
                    }
                }
            }
        }
        return matched;
    }

    /** Committed offset per partition of {@code topic} for {@code group}; partitions without commit are absent. */
    public static Map<Integer, Long> committedOffsets(String group, String topic) {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            return offsets.entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Log-end offset per partition of {@code topic}, for partitions that hold records. */
    public static Map<Integer, Long> endOffsets(String topic) {
        try (Admin admin = admin(); KafkaConsumer<String, byte[]> meta = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()))) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (PartitionInfo p : meta.partitionsFor(topic)) {
                request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            }
            return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                    .filter(e -> e.getValue().offset() > 0)
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }
}
