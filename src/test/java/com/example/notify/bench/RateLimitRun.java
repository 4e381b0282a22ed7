package com.example.notify.bench;

import com.example.notify.support.BundleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * L1 (issue 22): a cluster-wide limit held by 1, 2 and 3 replicas. One email throttle for the cluster
 * ({@code notify.smtp.per-second}, 100/s), a backlog far above it on a 12-partition topic, and the
 * replicas as packaged bundles in one consumer group; the rate is measured at the relay (the harness' SMTP sink,
 * the moment each message is answered). With 3 replicas the third starts while the other two deliver, so the
 * measured span includes a rebalance. Reported per replica count: the rate over the steady span (after every
 * replica is ready and a settling time), and the largest count in any 10-second window of the whole run (1 s
 * steps), rebalance included.
 */
final class RateLimitRun {

    static final int PARTITIONS = 12;

    private RateLimitRun() {
    }

    record Result(int replicas, double limit, double steadySeconds, double steadyRate, double max10sRate, int delivered) {

        double steadyRatio() {
            return steadyRate / limit;
        }

        double max10sRatio() {
            return max10sRate / limit;
        }
    }

    static Result run(BundleRun.Environment env, DelayingSmtpSink sink, int replicas, int limit, double seconds) throws Exception {
        String run = "l1-" + replicas + "-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> topics = createTopics(env, run, "email");
        // more than the limit can carry in the run: the throttle, not the backlog, decides the rate
        int events = (int) (limit * (seconds + 90) * 1.2);
        try (KafkaProducer<String, String> producer = BundleRun.producer(env.broker())) {
            for (int i = 0; i < events; i++) {
                producer.send(BundleRun.record(topics.get("events"), "email", run, i, Instant.now()));
            }
        }
        ConcurrentLinkedQueue<Long> answered = new ConcurrentLinkedQueue<>();
        sink.onAnswered(to -> answered.add(System.nanoTime()));
        Map<String, String> extra = Map.of(
                "notify.smtp.per-second", String.valueOf(limit),
                "notify.kafka.consumers", "2",
                "notify.email.concurrency", "16");
        BundleRun.Spec spec = BundleRun.Spec.backlog("L1 " + replicas, "email", "dedupeStore", events, extra);
        List<BundleProcess> bundles = new ArrayList<>();
        try {
            long runStart = System.nanoTime();
            int first = replicas == 3 ? 2 : replicas;
            for (int r = 0; r < first; r++) {
                bundles.add(start(env, spec, topics, run, r));
            }
            for (BundleProcess b : bundles) {
                ready(b, run);
            }
            long steadyFrom;
            if (replicas == 3) {
                // the third joins while two deliver: a rebalance inside the measured run
                Thread.sleep(20_000);
                BundleProcess third = start(env, spec, topics, run, 2);
                bundles.add(third);
                ready(third, run);
            }
            // settled: every replica's consumers assigned and its share taken
            Thread.sleep(15_000);
            steadyFrom = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long steadyTo = System.nanoTime();
            sink.onAnswered(null);
            List<Long> times = new ArrayList<>(answered);
            long inSteady = times.stream().filter(t -> t >= steadyFrom && t < steadyTo).count();
            double steadySeconds = (steadyTo - steadyFrom) / 1e9;
            return new Result(replicas, limit, steadySeconds, inSteady / steadySeconds, max10s(times, runStart, steadyTo), times.size());
        } finally {
            sink.onAnswered(null);
            for (BundleProcess b : bundles) {
                if (b.process.isAlive()) {
                    b.kill();
                }
            }
        }
    }

    /** The run's topics: the events topic, the channel's delivery topic and their twins at 12 partitions each. */
    private static Map<String, String> createTopics(BundleRun.Environment env, String run, String channel) {
        Map<String, String> topics = new HashMap<>();
        for (String t : List.of("events", "status", "dlq", "idempotency", "suppressions", "pardot-deferred")) {
            topics.put(t, "bench." + run + "." + t);
        }
        String deliver = topics.get("events") + ".deliver." + channel;
        env.broker().createTopics(List.of(topics.get("status"), topics.get("dlq"), topics.get("pardot-deferred")), Set.of(), 4);
        env.broker().createTopics(List.of(topics.get("events"), topics.get("events") + ".priority", deliver, deliver + ".priority",
                deliver + ".low"), Set.of(), PARTITIONS);
        env.broker().createTopics(List.of(topics.get("idempotency"), topics.get("suppressions")),
                Set.of(topics.get("idempotency"), topics.get("suppressions")), 1);
        return topics;
    }

    private static BundleProcess start(BundleRun.Environment env, BundleRun.Spec spec, Map<String, String> topics, String run, int replica)
            throws Exception {
        Map<String, String> properties = BundleRun.properties(env, spec, topics, run);
        // the replicas share the group (run) but each has its own dedupe directory, as pods have
        properties.put("notify.idempotency.dir", env.logs().resolve(run + "-" + replica + "-dedupe").toAbsolutePath().toString());
        List<String> jvm = new ArrayList<>(List.of("-Xmx384m"));
        for (String option : env.bundleJvmOptions()) {
            jvm.add(option.replace("%r", run + "-" + replica));
        }
        return BundleProcess.start(properties, env.logs().resolve(run + "-" + replica + ".log"), env.bundleDir(), env.jar(),
                jvm.toArray(String[]::new));
    }

    private static void ready(BundleProcess bundle, String run) throws InterruptedException {
        if (!bundle.awaitReady(Duration.ofSeconds(180))) {
            throw new IllegalStateException("L1: a replica of " + run + " was not ready; see its log in target/bench/logs");
        }
    }

    /** The most messages answered in any 10-second window (1 s steps) from {@code from} to {@code to}, per second. */
    static double max10s(List<Long> times, long from, long to) {
        long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
        long window = Duration.ofSeconds(10).toNanos();
        int max = 0;
        for (long start = from; start + window <= to; start += Duration.ofSeconds(1).toNanos()) {
            max = Math.max(max, countIn(sorted, start, start + window));
        }
        return max / 10.0;
    }

    private static int countIn(long[] sorted, long from, long to) {
        return lowerBound(sorted, to) - lowerBound(sorted, from);
    }

    private static int lowerBound(long[] sorted, long value) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    record PardotResult(int replicas, int events, int dailyLimit, int maxConcurrent, long upserts, int maxInFlight, int deferred) {
    }

    /**
     * L2 (issue 22): Pardot's limits across replicas. {@code replicas} packaged bundles in one group, ready and
     * settled, then {@code events} Pardot events, more than a small daily quota allows; the stub counts the upserts
     * it answered and the most it had in flight at once. The quota's overflow goes to the deferred topic.
     */
    static PardotResult pardot(BundleRun.Environment env, HttpStubs stubs, int replicas, int events, int dailyLimit, int maxConcurrent)
            throws Exception {
        String run = "l2-" + replicas + "-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> topics = createTopics(env, run, "pardot");
        Map<String, String> extra = Map.of(
                "notify.pardot.quota.daily-limit", String.valueOf(dailyLimit),
                "notify.pardot.max-concurrent", String.valueOf(maxConcurrent),
                "notify.pardot.per-second", "1000",
                "notify.kafka.consumers", "2");
        BundleRun.Spec spec = BundleRun.Spec.backlog("L2 " + replicas, "pardot", "dedupeStore", events, extra);
        List<BundleProcess> bundles = new ArrayList<>();
        try {
            for (int r = 0; r < replicas; r++) {
                bundles.add(start(env, spec, topics, run, r));
            }
            for (BundleProcess b : bundles) {
                ready(b, run);
            }
            Thread.sleep(15_000);
            stubs.reset();
            try (KafkaProducer<String, String> producer = BundleRun.producer(env.broker())) {
                for (int i = 0; i < events; i++) {
                    producer.send(BundleRun.record(topics.get("events"), "pardot", run, i, Instant.now()));
                }
            }
            // until every event has its outcome: an upsert, or deferred for the quota; the upserts count then stands
            long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
            int deferred = 0;
            long last = -1;
            long stableSince = System.nanoTime();
            while (System.nanoTime() < deadline) {
                deferred = countDeferred(env, topics.get("pardot-deferred"));
                long upserts = stubs.upserts();
                if (upserts != last) {
                    last = upserts;
                    stableSince = System.nanoTime();
                }
                if (upserts + deferred >= events && System.nanoTime() - stableSince > 10_000_000_000L) {
                    break;
                }
                Thread.sleep(1_000);
            }
            return new PardotResult(replicas, events, dailyLimit, maxConcurrent, stubs.upserts(), stubs.maxUpsertsInFlight(), deferred);
        } finally {
            for (BundleProcess b : bundles) {
                if (b.process.isAlive()) {
                    b.kill();
                }
            }
        }
    }

    private static int countDeferred(BundleRun.Environment env, String topic) {
        Map<String, Object> config = new HashMap<>(env.broker().clientConfig());
        config.put(org.apache.kafka.clients.consumer.ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        config.put(org.apache.kafka.clients.consumer.ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(config)) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            return (int) consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    static List<String> pardotReport(PardotResult r) {
        return List.of(("L2: %d replicas (packaged bundles, one group, settled before the first event), %,d Pardot events, "
                + "a daily quota of %d and %d concurrent requests for the cluster: the stub answered %d upserts, at most %d at once; "
                + "%d deferred for the quota").formatted(r.replicas(), r.events(), r.dailyLimit(), r.maxConcurrent(), r.upserts(),
                r.maxInFlight(), r.deferred()));
    }

    static List<String> report(List<Result> results) {
        List<String> lines = new ArrayList<>();
        lines.add("L1: one email throttle for the cluster, a 12-partition backlog, the replicas as packaged bundles in one group; "
                + "the rate at the relay (3 replicas: the third joins mid-run, its rebalance inside the 10-s windows)");
        lines.add("| replicas | limit/s | steady rate/s (span) | ratio | max 10-s window, rate/s | ratio |");
        lines.add("|---|---|---|---|---|---|");
        for (Result r : results) {
            lines.add("| %d | %.0f | %.1f (%.0f s) | %.3f | %.1f | %.3f |".formatted(r.replicas(), r.limit(), r.steadyRate(),
                    r.steadySeconds(), r.steadyRatio(), r.max10sRate(), r.max10sRatio()));
        }
        return lines;
    }
}
