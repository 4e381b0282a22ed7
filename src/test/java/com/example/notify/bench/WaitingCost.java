package com.example.notify.bench;

import com.example.notify.support.BundleProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * S1 (issue 25): what messages waiting for their time cost. {@code events} email events, each with a
 * {@code deliverat} the same distance ahead, are queued before the packaged bundle starts; the run has three
 * phases, measured apart on the bundle process:
 * <ol>
 * <li><b>accept</b>: from ready until every event has its {@code scheduled} status (validation, dedupe, contact,
 * preferences, the record written to a retry tier);</li>
 * <li><b>wait</b>: from then until shortly before the deliverat: the bundle's CPU per second while they wait
 * (hops from tier to tier included), its heap after a forced GC, and the retry tier topics' records (copies
 * written so far) and bytes on the broker's disk;</li>
 * <li><b>release</b>: from the deliverat until every event is delivered: CPU per event, and how late each went
 * (its delivered status' timestamp against its deliverat; none may go early).</li>
 * </ol>
 * The same heap measure after the release (nothing waiting) tells what the waiting messages held in memory.
 */
final class WaitingCost {

    private static final ObjectMapper JSON = new ObjectMapper();

    private WaitingCost() {
    }

    record Result(String name, int events, double aheadSeconds, double readySeconds, double acceptSeconds, double acceptCpuMsPerEvent,
                  double waitSeconds, double waitCpuMsPerSecond, long tierRecords, long tierBytes, double heapWaitingMb,
                  double heapAfterMb, double releaseSeconds, double releaseCpuMsPerEvent, int delivered, long early,
                  double lateP50Ms, double lateP99Ms, double lateMaxMs) {

        double bytesPerCopy() {
            return tierRecords == 0 ? Double.NaN : (double) tierBytes / tierRecords;
        }

        /** Copies of each waiting message on the tiers so far (the first write included). */
        double copiesPerMessage() {
            return (double) tierRecords / events;
        }

        /** Heap held per waiting message, bytes (negative within the measure's noise). */
        double heapBytesPerWaiting() {
            return (heapWaitingMb - heapAfterMb) * 1024 * 1024 / events;
        }
    }

    static Result run(BundleRun.Environment env, Path brokerLogDir, String name, int events, double aheadSeconds,
                      Map<String, String> extra) throws Exception {
        BundleRun.Spec spec = BundleRun.Spec.backlog(name, "email", "dedupeStore", events, extra);
        String run = name.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("-$", "") + "-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> topics = new HashMap<>();
        for (String t : List.of("events", "status", "dlq", "idempotency", "suppressions", "pardot-deferred")) {
            topics.put(t, "bench." + run + "." + t);
        }
        env.broker().createTopics(List.of(topics.get("status"), topics.get("dlq"), topics.get("pardot-deferred")), Set.of(), 4);
        env.broker().createTopics(List.of(topics.get("events"), topics.get("events") + ".deliver.email"), Set.of(), 4);
        env.broker().createTopics(List.of(topics.get("idempotency"), topics.get("suppressions")),
                Set.of(topics.get("idempotency"), topics.get("suppressions")), 1);
        long deliverAt = (System.currentTimeMillis() + (long) (aheadSeconds * 1000)) / 1000 * 1000;
        String at = Instant.ofEpochMilli(deliverAt).toString();
        try (KafkaProducer<String, String> producer = BundleRun.producer(env.broker())) {
            for (int i = 0; i < events; i++) {
                ProducerRecord<String, String> r = BundleRun.record(topics.get("events"), "email", run, i, Instant.now());
                producer.send(new ProducerRecord<>(r.topic(), r.key(),
                        r.value().replace("\"specversion\":\"1.0\",", "\"specversion\":\"1.0\",\"deliverat\":\"" + at + "\",")));
            }
        }
        Path gcLog = env.logs().resolve(run + ".gc.log");
        long started = System.nanoTime();
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + spec.heap(), "-Xlog:gc:file=" + gcLog + ":uptime"));
        for (String option : env.bundleJvmOptions()) {
            jvm.add(option.replace("%r", run));
        }
        BundleProcess bundle = BundleProcess.start(BundleRun.properties(env, spec, topics, run), env.logs().resolve(run + ".log"),
                env.bundleDir(), env.jar(), jvm.toArray(String[]::new));
        try (KafkaConsumer<String, byte[]> statuses = statusConsumer(env, topics.get("status"))) {
            if (!bundle.awaitReady(Duration.ofSeconds(120))) {
                throw new IllegalStateException(name + ": bundle not ready, see " + env.logs().resolve(run + ".log"));
            }
            double ready = (System.nanoTime() - started) / 1e9;
            double cpuReady = BundleRun.readable(bundle.cpuSeconds());
            Set<String> scheduled = new HashSet<>();
            Map<String, Long> deliveredAt = new HashMap<>();
            long acceptStart = System.nanoTime();
            long acceptBy = acceptStart + Duration.ofSeconds(300 + events / 50).toNanos();
            while (scheduled.size() < events) {
                if (System.nanoTime() > acceptBy || System.currentTimeMillis() > deliverAt) {
                    throw new IllegalStateException(name + ": only " + scheduled.size() + " of " + events
                            + " accepted as scheduled before the deliverat; give more --s1-ahead-seconds");
                }
                poll(statuses, scheduled, deliveredAt);
            }
            double acceptSeconds = (System.nanoTime() - acceptStart) / 1e9;
            double cpuAccepted = BundleRun.readable(bundle.cpuSeconds());
            // the wait, until 5 s before the deliverat
            long waitStart = System.nanoTime();
            while (System.currentTimeMillis() < deliverAt - 5_000) {
                poll(statuses, scheduled, deliveredAt);
            }
            double waitSeconds = (System.nanoTime() - waitStart) / 1e9;
            double cpuWaited = BundleRun.readable(bundle.cpuSeconds());
            long tierRecords = tierRecords(env, topics.get("events"));
            long tierBytes = tierBytes(brokerLogDir, topics.get("events") + ".retry.");
            double heapWaiting = heapAfterGc(bundle, gcLog, ready);
            while (deliveredAt.size() < events) {
                if (System.currentTimeMillis() > deliverAt + Duration.ofSeconds(600 + events / 50).toMillis()) {
                    throw new IllegalStateException(name + ": only " + deliveredAt.size() + " of " + events + " delivered");
                }
                poll(statuses, scheduled, deliveredAt);
            }
            double releaseSeconds = (System.currentTimeMillis() - deliverAt) / 1000.0;
            double cpuReleased = BundleRun.readable(bundle.cpuSeconds());
            double heapAfter = heapAfterGc(bundle, gcLog, ready);
            bundle.stop(Duration.ofSeconds(30));
            List<Double> late = new ArrayList<>();
            long early = 0;
            for (long t : deliveredAt.values()) {
                late.add((double) (t - deliverAt));
                early += t < deliverAt ? 1 : 0;
            }
            return new Result(name, events, aheadSeconds, ready, acceptSeconds, (cpuAccepted - cpuReady) * 1000 / events,
                    waitSeconds, (cpuWaited - cpuAccepted) * 1000 / waitSeconds, tierRecords, tierBytes, heapWaiting, heapAfter,
                    releaseSeconds, (cpuReleased - cpuWaited) * 1000 / events, deliveredAt.size(), early,
                    Stats.percentile(late, 50), Stats.percentile(late, 99), late.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
        } finally {
            if (bundle.process.isAlive()) {
                bundle.kill();
            }
        }
    }

    private static KafkaConsumer<String, byte[]> statusConsumer(BundleRun.Environment env, String topic) {
        Map<String, Object> config = new HashMap<>(env.broker().clientConfig());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config);
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** Reads statuses: scheduled ones by event id, the first delivered one per event id with its record timestamp. */
    private static void poll(KafkaConsumer<String, byte[]> consumer, Set<String> scheduled, Map<String, Long> deliveredAt) throws IOException {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            JsonNode data = JSON.readTree(record.value()).path("data");
            String id = data.path("eventId").asText();
            switch (data.path("status").asText()) {
                case "scheduled" -> scheduled.add(id);
                case "delivered" -> deliveredAt.putIfAbsent(id, record.timestamp());
                default -> { }
            }
        }
    }

    /** Records written to the events topic's retry tier topics (every lane's), from their end offsets. */
    private static long tierRecords(BundleRun.Environment env, String eventsTopic) {
        Map<String, Object> config = new HashMap<>(env.broker().clientConfig());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.listTopics().entrySet().stream()
                    .filter(t -> t.getKey().startsWith(eventsTopic + ".") && t.getKey().contains(".retry."))
                    .flatMap(t -> t.getValue().stream().map(p -> new TopicPartition(p.topic(), p.partition()))).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Bytes of the log segments (not the indexes) of the topics whose names start with {@code prefix}. */
    private static long tierBytes(Path brokerLogDir, String prefix) throws IOException {
        long bytes = 0;
        try (Stream<Path> dirs = Files.list(brokerLogDir)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).toList()) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                        bytes += Files.size(f);
                    }
                }
            }
        }
        return bytes;
    }

    /** A full GC in the bundle (jcmd), then the heap it left, from the GC log. */
    private static double heapAfterGc(BundleProcess bundle, Path gcLog, double afterSeconds) throws Exception {
        Process jcmd = new ProcessBuilder("jcmd", String.valueOf(bundle.process.pid()), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        jcmd.waitFor();
        Thread.sleep(1_000);
        return GcLog.summarize(gcLog, afterSeconds).lastAfterMb();
    }

    static List<String> report(Result r) {
        return List.of(
                "S1: %,d email events with a deliverat %.0f s ahead, queued before the start; bundle ready in %.1f s".formatted(
                        r.events(), r.aheadSeconds(), r.readySeconds()),
                "| phase | figure |",
                "|---|---|",
                "| accept (to status scheduled) | %,d in %.1f s, %.3f ms CPU per event |".formatted(r.events(), r.acceptSeconds(),
                        r.acceptCpuMsPerEvent()),
                "| wait (%,d waiting, %.0f s) | %.1f ms CPU per second (hops included); retry tier records %,d (%.2f copies per message), %,d bytes on disk (%.0f bytes per copy); heap after GC %.1f MB waiting, %.1f MB after the release (%.0f bytes per waiting message) |"
                        .formatted(r.events(), r.waitSeconds(), r.waitCpuMsPerSecond(), r.tierRecords(), r.copiesPerMessage(), r.tierBytes(),
                                r.bytesPerCopy(), r.heapWaitingMb(), r.heapAfterMb(), r.heapBytesPerWaiting()),
                "| release (from the deliverat) | %,d delivered in %.1f s, %.3f ms CPU per event; late p50 %.0f ms, p99 %.0f ms, max %.0f ms; early %d |"
                        .formatted(r.delivered(), r.releaseSeconds(), r.releaseCpuMsPerEvent(), r.lateP50Ms(), r.lateP99Ms(), r.lateMaxMs(),
                                r.early()));
    }
}
