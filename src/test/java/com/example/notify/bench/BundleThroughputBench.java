package com.example.notify.bench;

import com.example.notify.kafka.EmbeddedKafkaBroker;
import com.example.notify.support.BundleProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Events/s through the whole packaged bundle, run as its own process on the production profile, draining a
 * preloaded backlog of email events into an SMTP sink, with each idempotency store: in memory, the bundle's
 * shared Kafka store, Camel's {@code KafkaIdempotentRepository}; interleaved, median of the repetitions.
 * Rate = delivered statuses over the span of their own timestamps (first to last), so the harness' polling
 * does not count. Run by bench/bundle-throughput, which starts Postfix's smtp-sink:
 * {@code BundleThroughputBench <sink port> [events] [repetitions]}.
 */
public final class BundleThroughputBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** -Dbench.stores=a,b picks stores; -Dbench.jvm="-X…" adds JVM options to the bundle (a profiler, say). */
    private static final List<String> STORES = List.of(System.getProperty("bench.stores",
            "memoryIdempotency,kafkaIdempotency,camelKafkaIdempotency").split(","));
    private static final String[] JVM = ("-Xmx512m " + System.getProperty("bench.jvm", "")).trim().split("\\s+");

    private record Result(double eventsPerSecond, double readySeconds, double peakRssMb, double cpuSeconds) {
    }

    private BundleThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        int sinkPort = Integer.parseInt(args[0]);
        int events = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int repetitions = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path work = Files.createTempDirectory("bundle-bench");
        Path templates = work.resolve("templates");
        Files.createDirectories(templates.resolve("bench"));
        Files.writeString(templates.resolve("bench/subject.ftl"), "Your order ${event.id} has shipped");
        Files.writeString(templates.resolve("bench/text.ftl"), "Hello, order ${event.id} is on its way.");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), 0)) {
            Map<String, List<Result>> results = new HashMap<>();
            for (int r = 0; r < repetitions; r++) {
                for (String store : STORES) {
                    Result result = run(broker, store, events, sinkPort, templates, work);
                    results.computeIfAbsent(store, k -> new ArrayList<>()).add(result);
                    System.out.printf("rep %d %-18s %8.0f events/s  ready %.1f s  peak RSS %.0f MB  CPU %.0f s%n", r + 1, store,
                            result.eventsPerSecond(), result.readySeconds(), result.peakRssMb(), result.cpuSeconds());
                }
            }
            System.out.println();
            System.out.printf("| idempotency store | events/s = emails/s (median of %d, %,d events) | start to ready | peak RSS | CPU s |%n",
                    repetitions, events);
            System.out.println("|---|---|---|---|---|");
            for (String store : STORES) {
                List<Result> runs = results.get(store);
                System.out.printf("| %s | %.0f | %.1f s | %.0f MB | %.0f |%n", store,
                        median(runs.stream().map(Result::eventsPerSecond).toList()),
                        median(runs.stream().map(Result::readySeconds).toList()),
                        median(runs.stream().map(Result::peakRssMb).toList()),
                        median(runs.stream().map(Result::cpuSeconds).toList()));
            }
            if (STORES.size() == 3) {
                double memory = rate(results, "memoryIdempotency");
                double kafka = rate(results, "kafkaIdempotency");
                double camel = rate(results, "camelKafkaIdempotency");
                System.out.printf("| ratio kafkaIdempotency / camelKafkaIdempotency | %.2f | | | |%n", kafka / camel);
                System.out.printf("| ratio kafkaIdempotency / memoryIdempotency | %.2f | | | |%n", kafka / memory);
            }
        }
    }

    private static Result run(EmbeddedKafkaBroker broker, String store, int events, int sinkPort, Path templates, Path work)
            throws Exception {
        String run = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> topics = new HashMap<>();
        for (String t : List.of("events", "status", "dlq", "idempotency", "suppressions", "pardot-deferred")) {
            topics.put(t, run + "." + t);
        }
        broker.createTopics(List.of(topics.get("events"), topics.get("status"), topics.get("dlq"), topics.get("pardot-deferred")),
                Set.of(), 4);
        broker.createTopics(List.of(topics.get("idempotency"), topics.get("suppressions")),
                Set.of(topics.get("idempotency"), topics.get("suppressions")), 1);
        preload(broker, topics.get("events"), events, run);
        Map<String, String> properties = new HashMap<>();
        topics.forEach((name, topic) -> properties.put("notify.kafka.topic." + name, topic));
        properties.putAll(Map.of(
                "notify.kafka.brokers", broker.bootstrapServers(),
                "notify.kafka.group-id", run,
                "notify.idempotency.repository", store,
                "notify.email.templates-dir", templates.toString(),
                "notify.smtp.host", "127.0.0.1",
                "notify.smtp.port", String.valueOf(sinkPort),
                "notify.smtp.starttls", "false",
                "notify.smtp.starttls-required", "false",
                "notify.throttle.smtp.per-second", "1000000"));
        long started = System.nanoTime();
        BundleProcess bundle = BundleProcess.start(properties, work.resolve(run + ".log"), JVM);
        try {
            if (!bundle.awaitReady(Duration.ofSeconds(60))) {
                throw new IllegalStateException("bundle not ready, see " + work.resolve(run + ".log"));
            }
            double ready = (System.nanoTime() - started) / 1e9;
            double rate = drainRate(broker, topics.get("status"), events);
            return new Result(rate, ready, bundle.peakRssMb(), bundle.cpuSeconds());
        } finally {
            bundle.stop(Duration.ofSeconds(30));
        }
    }

    /** ~300-byte CloudEvents, keyed by recipient over 1,000 recipients (4 partitions). */
    private static void preload(EmbeddedKafkaBroker broker, String topic, int events, String run) throws Exception {
        Map<String, Object> config = new HashMap<>(broker.clientConfig());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < events; i++) {
                String recipient = "r" + (i % 1000);
                producer.send(new ProducerRecord<>(topic, recipient, """
                        {"specversion":"1.0","id":"%s-%d","source":"/shop","type":"com.example.order.shipped","time":"%s",\
                        "datacontenttype":"application/json","data":{"recipient":{"email":"%s@example.com","name":"Customer %d"},\
                        "channels":["email"],"template":"bench","params":{"order":"%d"}}}""".formatted(run, i, Instant.now(), recipient,
                        i % 1000, i)));
            }
            producer.flush();
        }
    }

    /** Delivered statuses per second between the first and the last one's own timestamp. */
    private static double drainRate(EmbeddedKafkaBroker broker, String statusTopic, int events) throws Exception {
        Map<String, Object> config = new HashMap<>(broker.clientConfig());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Instant first = null;
        Instant last = null;
        int delivered = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(statusTopic).stream()
                    .map(p -> new TopicPartition(statusTopic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (delivered < events && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode status = JSON.readTree(record.value());
                    if (!"delivered".equals(status.path("data").path("status").asText())) {
                        continue;
                    }
                    Instant at = Instant.parse(status.path("time").asText());
                    first = first == null || at.isBefore(first) ? at : first;
                    last = last == null || at.isAfter(last) ? at : last;
                    delivered++;
                }
            }
        }
        if (delivered < events) {
            throw new IllegalStateException("only " + delivered + " of " + events + " delivered");
        }
        return (events - 1) / (Duration.between(first, last).toNanos() / 1e9);
    }

    private static double rate(Map<String, List<Result>> results, String store) {
        return median(results.get(store).stream().map(Result::eventsPerSecond).toList());
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
