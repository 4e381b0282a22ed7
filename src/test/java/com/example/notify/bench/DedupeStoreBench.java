package com.example.notify.bench;

import com.example.notify.idempotency.PartitionedDedupeStore;
import com.example.notify.kafka.EmbeddedKafkaBroker;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * K1/K2 at store level (issue 20): N keys inside the window on the changelog of a P-partition topic, then
 * (a) restore from the changelog alone into an empty directory (keys/s), heap held by the store after a full GC,
 * (b) a second store on the same directory: time until every partition is open (local store + checkpoint),
 * (c) K1: the first key is still a duplicate after N others.
 * {@code bench/dedupe-store-bench [--keys 20000000] [--partitions 4]}
 */
public final class DedupeStoreBench {

    private DedupeStoreBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        long keys = Long.parseLong(options.getOrDefault("keys", "20000000"));
        int partitions = Integer.parseInt(options.getOrDefault("partitions", "4"));
        Path work = Files.createDirectories(Path.of("target/bench/dedupe-store"));
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Files.createTempDirectory(work, "kafka"), 0)) {
            String topic = "bench.dedupe";
            String changelog = topic + ".dedupe-changelog";
            Map<String, Map<String, String>> configs = new LinkedHashMap<>();
            configs.put(topic, Map.of());
            configs.put(changelog, Map.of("cleanup.policy", "compact,delete", "retention.ms", "604800000"));
            broker.createTopics(List.of(topic, changelog), configs, partitions);

            // the changelog as replicas would have written it: N distinct event keys, first seen within the last hour
            long now = System.currentTimeMillis();
            long started = System.nanoTime();
            Map<String, Object> producerConfig = new HashMap<>(broker.clientConfig());
            producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, "20");
            producerConfig.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(1 << 20));
            producerConfig.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig)) {
                for (long i = 0; i < keys; i++) {
                    byte[] key = ("/billing|" + new java.util.UUID(i, i * 31).toString()).getBytes(StandardCharsets.UTF_8);
                    byte[] value = ByteBuffer.allocate(8).putLong(now - 3_600_000 + (i % 3_600_000)).array();
                    producer.send(new ProducerRecord<>(changelog, (int) (i % partitions), key, value));
                }
            }
            System.out.printf("changelog written: %,d keys in %.1f s%n", keys, (System.nanoTime() - started) / 1e9);

            List<TopicPartition> assigned = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                assigned.add(new TopicPartition(topic, p));
            }
            Path dir = Files.createTempDirectory(work, "store");
            long heapBefore = heapAfterGc();
            PartitionedDedupeStore restoring = store(broker, dir, topic);
            started = System.nanoTime();
            restoring.assigned(assigned);
            double restoreSeconds = (System.nanoTime() - started) / 1e9;
            long heapHeld = heapAfterGc() - heapBefore;
            System.out.printf("K2 restore from the changelog alone: %,d keys in %.1f s = %,.0f keys/s (target >= 200,000/s)%n",
                    restoring.getRestoredRecords(), restoreSeconds, restoring.getRestoredRecords() / restoreSeconds);
            System.out.printf("K2 heap held with %,d keys (after full GC, store open): %.1f MB (target <= 256 MB; total heap used %.1f MB incl. the in-process broker)%n",
                    keys, heapHeld / 1e6, heapAfterGc() / 1e6);
            String first = "/billing|" + new java.util.UUID(0, 0).toString();
            System.out.printf("K1 store level: key 0 after %,d others is a duplicate: %s%n", keys - 1,
                    restoring.contains(new TopicPartition(topic, 0), first));
            restoring.stop();

            PartitionedDedupeStore reopened = store(broker, dir, topic);
            started = System.nanoTime();
            reopened.assigned(assigned);
            double reopenSeconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("K2 start-to-ready with the local store (store start + open %d partitions from checkpoint): %.2f s (target <= 10 s); %s%n",
                    partitions, reopenSeconds, reopened.contains(new TopicPartition(topic, 0), first) ? "key 0 still seen" : "KEY 0 LOST");
            reopened.stop();
        }
    }

    private static PartitionedDedupeStore store(EmbeddedKafkaBroker broker, Path dir, String topic) {
        PartitionedDedupeStore store = new PartitionedDedupeStore();
        Properties client = new Properties();
        client.putAll(broker.clientConfig());
        store.setClientConfig(client);
        store.setDir(dir.toString());
        store.setTopics(topic);
        store.setRestoreTimeoutSeconds(3600);
        store.start();
        return store;
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
