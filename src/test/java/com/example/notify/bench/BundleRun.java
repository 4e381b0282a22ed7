package com.example.notify.bench;

import com.example.notify.kafka.EmbeddedKafkaBroker;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
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
 * One workload through the packaged bundle, run as its own process on the production profile: topics of its
 * own, the events preloaded (a backlog to drain) or published at a fixed rate (open loop), then the status
 * topic read until every event reached a terminal status. Throughput comes from the delivered statuses' own
 * timestamps (first to last), latency from each event's {@code time} to its delivered status (written once
 * the sink accepted the message), memory from /proc and the bundle's GC log. A figure that could not be
 * measured is NaN, so that no verdict can pass on it.
 */
final class BundleRun {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TERMINAL = Set.of("delivered", "skipped", "dead-lettered");
    static final int CONTACTS = 1000;

    /**
     * What to run. {@code rate} > 0: open loop — a backlog of {@code warmupEvents} drained first (JIT, connections,
     * caches), then events published at {@code rate} per second for {@code seconds}; only those are measured.
     */
    record Spec(String name, String channel, String store, int events, Map<String, String> properties, String heap,
                double rate, int warmupEvents, double seconds, int lead, int partitions, CpuWindow cpuWindow, boolean firstRepeated) {

        static Spec backlog(String name, String channel, String store, int events, Map<String, String> properties) {
            return new Spec(name, channel, store, events, properties, "512m", 0, 0, 0, 0, 4, null, false);
        }

        /**
         * The bundle at full speed for {@code seconds}: the harness keeps {@code lead} events ahead of what the
         * bundle finished until the time is up (at most {@code 5,000/s} are tracked), then lets it drain.
         */
        static Spec sustained(String name, String channel, String store, double seconds, int lead, Map<String, String> properties) {
            return new Spec(name, channel, store, (int) Math.min(Integer.MAX_VALUE - 8, lead + seconds * 5000), properties, "512m",
                    0, 0, seconds, lead, 4, null, false);
        }

        Spec withHeap(String max) {
            return new Spec(name, channel, store, events, properties, max, rate, warmupEvents, seconds, lead, partitions, cpuWindow, firstRepeated);
        }

        /** The events topic and the email channel's delivery topic with {@code count} partitions (4 otherwise), a consumer each. */
        Spec withPartitions(int count) {
            return new Spec(name, channel, store, events, properties, heap, rate, warmupEvents, seconds, lead, count, cpuWindow, firstRepeated);
        }

        /** Per-thread CPU of the bundle sampled over {@code window} of the open loop ({@link ThreadCpu}). */
        Spec withCpuWindow(CpuWindow window) {
            return new Spec(name, channel, store, events, properties, heap, rate, warmupEvents, seconds, lead, partitions, window, firstRepeated);
        }

        /**
         * K1: the backlog's first event published again after all the others but the last, which goes to the first
         * one's partition (its key): when the last one is finished, the repeat was read and decided. The repeat
         * is no event of its own: {@code events} counts distinct ones. {@link #REPEATS} tells what it got.
         */
        Spec withFirstRepeated() {
            return new Spec(name, channel, store, events, properties, heap, rate, warmupEvents, seconds, lead, partitions, cpuWindow, true);
        }

        static Spec openLoop(String name, String channel, String store, double rate, int warmupEvents, double seconds,
                             Map<String, String> properties) {
            int events = warmupEvents + (int) Math.ceil(rate * seconds);
            return new Spec(name, channel, store, events, properties, "512m", rate, warmupEvents, seconds, 0, 4, null, false);
        }
    }

    /** From {@code afterSeconds} into an open loop's paced part (JIT and caches settle), for {@code seconds}. */
    record CpuWindow(double afterSeconds, double seconds) {
    }

    /**
     * {@code steadyEventsPerSecond}: the rate over the later {@link #STEADY_PART} of the measured deliveries (see
     * there); {@code eventsPerSecond} is over all of them, warm-up included.
     */
    record Result(Spec spec, String eventsTopic, int delivered, int otherTerminal, double eventsPerSecond,
                  double steadyEventsPerSecond, double p50Ms, double p99Ms, double p999Ms, double peakRssMb, GcLog.Summary heap,
                  double cpuSeconds, double readySeconds, boolean outOfMemory, ThreadCpu.Window cpuWindow) {

        Result(Spec spec, String eventsTopic, int delivered, int otherTerminal, double eventsPerSecond, double steadyEventsPerSecond,
               double p50Ms, double p99Ms, double p999Ms, double peakRssMb, GcLog.Summary heap, double cpuSeconds, double readySeconds,
               boolean outOfMemory) {
            this(spec, eventsTopic, delivered, otherTerminal, eventsPerSecond, steadyEventsPerSecond, p50Ms, p99Ms, p999Ms, peakRssMb,
                    heap, cpuSeconds, readySeconds, outOfMemory, null);
        }

        /** CPU seconds of the bundle per 1,000 events. */
        double cpuPerThousand() {
            return cpuSeconds / ((delivered + otherTerminal) / 1000.0);
        }
    }

    /** Where the runs happen: the broker, the sinks, the bundle's jar and working directory. */
    record Environment(EmbeddedKafkaBroker broker, int smtpPort, String sesEndpoint, HttpStubs stubs, Path jar, Path bundleDir,
                       Path logs, List<String> bundleJvmOptions) {

        Environment withSmtpPort(int port) {
            return new Environment(broker, port, sesEndpoint, stubs, jar, bundleDir, logs, bundleJvmOptions);
        }

        /** Another build: its jar and a working directory prepared from its routes, templates and properties. */
        Environment withBuild(Path otherJar, Path otherBundleDir) {
            return new Environment(broker, smtpPort, sesEndpoint, stubs, otherJar, otherBundleDir, logs, bundleJvmOptions);
        }
    }

    /**
     * The steady state of a drained backlog: its second half of deliveries (in time order). The first half carries
     * the warm-up: the JIT (P2's CPU per 1k events is 2.0 s over 20,000 events, 1.0 s over 60,000), connections
     * opening, the 1,000 contacts looked up once each. A share of the deliveries rather than a number of seconds
     * leaves figures to measure at 2,000 events (--quick) as at 200,000.
     */
    static final double STEADY_PART = 0.5;

    private BundleRun() {
    }

    /** BundleProcess answers -1 where /proc was not readable: NaN, so no comparison passes on it. */
    static double readable(double figure) {
        return figure < 0 ? Double.NaN : figure;
    }

    static Result run(Environment env, Spec spec) throws Exception {
        String run = spec.name().replaceAll("[^A-Za-z0-9]+", "-").replaceAll("-$", "") + "-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> topics = new HashMap<>();
        for (String t : List.of("events", "status", "dlq", "idempotency", "suppressions", "pardot-deferred")) {
            topics.put(t, "bench." + run + "." + t);
        }
        env.broker().createTopics(List.of(topics.get("status"), topics.get("dlq"), topics.get("pardot-deferred")), Set.of(), 4);
        // the email channel's delivery topic is named after the events topic (application.properties); the broker
        // would create it with its default of 4 partitions. A build before the staged delivery leaves it unused.
        env.broker().createTopics(List.of(topics.get("events"), topics.get("events") + ".deliver.email"), Set.of(), spec.partitions());
        env.broker().createTopics(List.of(topics.get("idempotency"), topics.get("suppressions")),
                Set.of(topics.get("idempotency"), topics.get("suppressions")), 1);
        AtomicLongArray eventTimesMicros = new AtomicLongArray(spec.events());
        int backlog = spec.lead() > 0 ? spec.lead() : spec.rate() == 0 ? spec.events() : spec.warmupEvents();
        if (backlog > 0) {
            try (KafkaProducer<String, String> producer = producer(env.broker())) {
                ProducerRecord<String, String> first = null;
                for (int i = 0; i < backlog; i++) {
                    eventTimesMicros.set(i, micros(Instant.now()));
                    ProducerRecord<String, String> record = record(topics.get("events"), spec.channel(), run, i, Instant.now());
                    if (spec.firstRepeated() && i == backlog - 1) {
                        producer.send(first);
                        record = new ProducerRecord<>(record.topic(), first.key(), record.value());
                    }
                    first = first == null ? record : first;
                    producer.send(record);
                }
            }
        }
        env.stubs().reset();
        Path gcLog = env.logs().resolve(run + ".gc.log");
        long started = System.nanoTime();
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + spec.heap(), "-Xlog:gc:file=" + gcLog + ":uptime"));
        // --bundle-jvm "…": e.g. a profiler; %r is replaced by the run's name
        for (String option : env.bundleJvmOptions()) {
            jvm.add(option.replace("%r", run));
        }
        BundleProcess bundle = BundleProcess.start(properties(env, spec, topics, run), env.logs().resolve(run + ".log"),
                env.bundleDir(), env.jar(), jvm.toArray(String[]::new));
        Thread openLoop = null;
        CompletableFuture<ThreadCpu.Window> cpuWindow = new CompletableFuture<>();
        try {
            if (!bundle.awaitReady(Duration.ofSeconds(120))) {
                throw new IllegalStateException(spec.name() + ": bundle not ready, see " + env.logs().resolve(run + ".log"));
            }
            double ready = (System.nanoTime() - started) / 1e9;
            CPU_AT_READY.put(spec.name(), readable(bundle.cpuSeconds()));
            Statuses statuses = new Statuses(spec.rate() == 0 ? 0 : spec.warmupEvents(), spec.events());
            statuses.firstId = run + "-0";
            if (spec.rate() > 0) {
                openLoop = new Thread(() -> publishAtRate(env.broker(), topics.get("events"), spec, run, eventTimesMicros,
                        statuses.warmedUp), "bench-open-loop");
                openLoop.start();
                if (spec.cpuWindow() != null) {
                    sampleCpu(bundle.process.pid(), spec.cpuWindow(), statuses.warmedUp, cpuWindow);
                }
            } else if (spec.lead() > 0) {
                openLoop = new Thread(() -> sustain(env.broker(), topics.get("events"), spec, run, eventTimesMicros, statuses),
                        "bench-sustain");
                openLoop.start();
            }
            awaitTerminal(env.broker(), topics.get("status"), spec, eventTimesMicros, statuses);
            if (spec.firstRepeated()) {
                REPEATS.put(spec.name(), new Repeat(statuses.firstEventTerminal,
                        Files.readString(env.logs().resolve(run + ".log")).contains("Dropped duplicate event " + statuses.firstId + " ")));
            }
            double cpu = readable(bundle.cpuSeconds());
            double peak = readable(bundle.peakRssMb());
            bundle.stop(Duration.ofSeconds(30));
            boolean oom = Files.readString(env.logs().resolve(run + ".log")).contains("OutOfMemoryError");
            ThreadCpu.Window window = spec.cpuWindow() == null ? null : windowOf(cpuWindow, statuses, env.logs().resolve(run + ".threads.txt"));
            return new Result(spec, topics.get("events"), statuses.delivered, statuses.other,
                    Stats.rate(statuses.deliveredMicros, 0), Stats.rate(statuses.deliveredMicros, 1 - STEADY_PART),
                    Stats.percentile(statuses.latenciesMs, 50), Stats.percentile(statuses.latenciesMs, 99),
                    Stats.percentile(statuses.latenciesMs, 99.9), peak, GcLog.summarize(gcLog, ready), cpu, ready, oom, window);
        } finally {
            if (openLoop != null) {
                openLoop.interrupt();
                openLoop.join(10_000);
            }
            if (bundle.process.isAlive()) {
                bundle.kill();
            }
        }
    }

    /** D4's bulk events: a type not in notify.priority.types, no priority: the normal lane. */
    static final String BULK_TYPE = "com.example.bench.newsletter";
    /** D4's high-priority events: {@code priority: high}, an address of their own each (what the sink matches them by). */
    static final String URGENT_TYPE = "com.example.bench.alert";
    private static final String URGENT_PREFIX = "urgent-";
    private static final String URGENT_DOMAIN = "@priority.example.com";

    /**
     * D4's figures. {@code latenciesMs}: each high-priority email delivered, from its publish to the relay's answer
     * (the delaying sink, in the harness' JVM: one clock); {@code bulkAnsweredAtLast}: bulk emails the relay had
     * answered when the last high-priority one was (-1 if none was); {@code bulkPerSecond}: the bulk emails' rate
     * from the first high-priority publish to that moment. {@code ingestMs} / {@code emailStageMs}: the delivered ones'
     * latency split where the ingest stage staged them (their delivery record's Kafka timestamp, wall clock, ms): a
     * diagnosis, not judged.
     */
    record PriorityResult(String name, int bulk, int urgentPublished, double rate, double seconds, List<Double> latenciesMs,
                          long bulkAnsweredAtFirstPublish, long bulkAnsweredAtLast, double bulkPerSecond, double waitedSeconds,
                          double readySeconds, List<Double> ingestMs, List<Double> emailStageMs) {

        PriorityResult(String name, int bulk, int urgentPublished, double rate, double seconds, List<Double> latenciesMs,
                       long bulkAnsweredAtFirstPublish, long bulkAnsweredAtLast, double bulkPerSecond, double waitedSeconds,
                       double readySeconds) {
            this(name, bulk, urgentPublished, rate, seconds, latenciesMs, bulkAnsweredAtFirstPublish, bulkAnsweredAtLast, bulkPerSecond,
                    waitedSeconds, readySeconds, List.of(), List.of());
        }

        int urgentDelivered() {
            return latenciesMs.size();
        }

        /** Bulk emails not yet answered when the last high-priority email was; NaN when none was delivered. */
        double bulkPendingAtLast() {
            return bulkAnsweredAtLast < 0 ? Double.NaN : bulk - bulkAnsweredAtLast;
        }
    }

    /**
     * D4: a bulk backlog of {@code bulk} email events queued on the normal events topic before the bundle starts;
     * once the relay has answered {@code flowing} of them, high-priority email events published to the priority
     * events topic at {@code rate} per second for {@code seconds}; then up to {@code waitSeconds} for the last of
     * them. The bundle is stopped then, the backlog not drained: only its draining matters. {@code properties}: on top
     * of the harness' own (none for D4 itself; --d4-properties for a diagnosis). The relay is
     * {@code sink} (the delaying one), which tells urgent emails from bulk ones by their recipient.
     */
    static PriorityResult priorityUnderBacklog(Environment env, DelayingSmtpSink sink, String name, int bulk, double rate,
                                               double seconds, int flowing, double waitSeconds, Map<String, String> properties)
            throws Exception {
        Spec spec = Spec.backlog(name, "email", "kafkaIdempotency", bulk, properties);
        String run = spec.name().replaceAll("[^A-Za-z0-9]+", "-").replaceAll("-$", "") + "-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> topics = new HashMap<>();
        for (String t : List.of("events", "status", "dlq", "idempotency", "suppressions", "pardot-deferred")) {
            topics.put(t, "bench." + run + "." + t);
        }
        String events = topics.get("events");
        // the priority topics are the normal ones + notify.priority.topic-suffix (.priority by default)
        String urgentEvents = events + ".priority";
        env.broker().createTopics(List.of(topics.get("status"), topics.get("dlq"), topics.get("pardot-deferred")), Set.of(), 4);
        env.broker().createTopics(List.of(events, events + ".deliver.email", urgentEvents, events + ".deliver.email.priority"),
                Set.of(), spec.partitions());
        env.broker().createTopics(List.of(topics.get("idempotency"), topics.get("suppressions")),
                Set.of(topics.get("idempotency"), topics.get("suppressions")), 1);
        try (KafkaProducer<String, String> producer = producer(env.broker())) {
            for (int i = 0; i < bulk; i++) {
                producer.send(record(events, "email", run, i, Instant.now(), BULK_TYPE));
            }
        }
        int urgent = (int) Math.ceil(rate * seconds);
        AtomicLong bulkAnswered = new AtomicLong();
        AtomicLongArray publishedNanos = new AtomicLongArray(urgent);
        AtomicLongArray answeredNanos = new AtomicLongArray(urgent);
        AtomicLongArray bulkAnsweredThen = new AtomicLongArray(urgent);
        sink.onAnswered(to -> {
            String address = to.replaceAll("[<>]", "").toLowerCase(Locale.ROOT);
            if (address.startsWith(URGENT_PREFIX) && address.endsWith(URGENT_DOMAIN)) {
                int i = Integer.parseInt(address.substring(URGENT_PREFIX.length(), address.length() - URGENT_DOMAIN.length()));
                long now = System.nanoTime();
                // the first answer counts (a duplicate delivery comes later)
                if (i < urgent && answeredNanos.compareAndSet(i, 0, now)) {
                    bulkAnsweredThen.set(i, bulkAnswered.get());
                }
            } else {
                bulkAnswered.incrementAndGet();
            }
        });
        Path gcLog = env.logs().resolve(run + ".gc.log");
        long started = System.nanoTime();
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + spec.heap(), "-Xlog:gc:file=" + gcLog + ":uptime"));
        for (String option : env.bundleJvmOptions()) {
            jvm.add(option.replace("%r", run));
        }
        BundleProcess bundle = BundleProcess.start(properties(env, spec, topics, run), env.logs().resolve(run + ".log"),
                env.bundleDir(), env.jar(), jvm.toArray(String[]::new));
        try {
            if (!bundle.awaitReady(Duration.ofSeconds(120))) {
                throw new IllegalStateException(name + ": bundle not ready, see " + env.logs().resolve(run + ".log"));
            }
            double ready = (System.nanoTime() - started) / 1e9;
            long flowingBy = System.nanoTime() + Duration.ofSeconds(300).toNanos();
            while (bulkAnswered.get() < flowing) {
                if (System.nanoTime() > flowingBy) {
                    throw new IllegalStateException(name + ": only " + bulkAnswered.get() + " bulk emails answered 300 s after ready");
                }
                Thread.sleep(50);
            }
            long bulkAtFirst = bulkAnswered.get();
            long wallNanos = System.nanoTime();
            long wallMillis = System.currentTimeMillis();
            long start = System.nanoTime();
            try (KafkaProducer<String, String> producer = producer(env.broker())) {
                for (int i = 0; i < urgent; i++) {
                    long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    String address = URGENT_PREFIX + i + URGENT_DOMAIN;
                    publishedNanos.set(i, System.nanoTime());
                    producer.send(new ProducerRecord<>(urgentEvents, address, """
                            {"specversion":"1.0","id":"%s-urgent-%d","source":"/alerts","type":"%s","time":"%s",\
                            "datacontenttype":"application/json","data":{"recipient":{"email":"%s","name":"Urgent %d"},\
                            "channels":["email"],"template":"welcome","priority":"high","params":{"plan":"standard"}}}""".formatted(
                            run, i, URGENT_TYPE, Instant.now(), address, i)));
                }
            }
            long lastPublished = System.nanoTime();
            long waitUntil = lastPublished + (long) (waitSeconds * 1e9);
            while (System.nanoTime() < waitUntil && countAnswered(answeredNanos) < urgent) {
                Thread.sleep(50);
            }
            double waited = (System.nanoTime() - lastPublished) / 1e9;
            sink.onAnswered(null);
            bundle.stop(Duration.ofSeconds(30));
            List<Double> latencies = new ArrayList<>();
            int last = -1;
            for (int i = 0; i < urgent; i++) {
                long at = answeredNanos.get(i);
                if (at != 0) {
                    latencies.add((at - publishedNanos.get(i)) / 1e6);
                    if (last < 0 || at > answeredNanos.get(last)) {
                        last = i;
                    }
                }
            }
            long bulkAtLast = last < 0 ? -1 : bulkAnsweredThen.get(last);
            double bulkRate = last < 0 ? Double.NaN : (bulkAtLast - bulkAtFirst) / ((answeredNanos.get(last) - start) / 1e9);
            // where the time went: the staged delivery records' timestamps (wall clock) against publish and answer
            Map<Integer, Long> staged = stagedMillis(env.broker(), events + ".deliver.email.priority");
            List<Double> ingest = new ArrayList<>();
            List<Double> emailStage = new ArrayList<>();
            StringBuilder csv = new StringBuilder("urgent,published_s,latency_ms,ingest_ms,email_stage_ms,bulk_answered_then\n");
            for (int i = 0; i < urgent; i++) {
                long at = answeredNanos.get(i);
                double publishedWall = wallMillis + (publishedNanos.get(i) - wallNanos) / 1e6;
                Long stagedAt = staged.get(i);
                double toStage = stagedAt == null ? Double.NaN : stagedAt - publishedWall;
                double fromStage = stagedAt == null || at == 0 ? Double.NaN : wallMillis + (at - wallNanos) / 1e6 - stagedAt;
                if (at != 0 && stagedAt != null) {
                    ingest.add(toStage);
                    emailStage.add(fromStage);
                }
                csv.append(String.format(Locale.ROOT, "%d,%.3f,%s,%.0f,%.0f,%s%n", i, (publishedNanos.get(i) - start) / 1e9,
                        at == 0 ? "" : String.format(Locale.ROOT, "%.1f", (at - publishedNanos.get(i)) / 1e6), toStage, fromStage,
                        at == 0 ? "" : String.valueOf(bulkAnsweredThen.get(i))));
            }
            Files.writeString(env.logs().resolve(run + ".d4.csv"), csv);
            return new PriorityResult(name, bulk, urgent, rate, seconds, latencies, bulkAtFirst, bulkAtLast, bulkRate, waited, ready,
                    ingest, emailStage);
        } finally {
            sink.onAnswered(null);
            if (bundle.process.isAlive()) {
                bundle.kill();
            }
        }
    }

    /** The Kafka timestamp (ms) of each urgent event's delivery record on {@code topic}, by its number. */
    private static Map<Integer, Long> stagedMillis(EmbeddedKafkaBroker broker, String topic) {
        Map<String, Object> config = new HashMap<>(broker.clientConfig());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<Integer, Long> staged = new HashMap<>();
        java.util.regex.Pattern id = java.util.regex.Pattern.compile("-urgent-(\\d+)\"");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    java.util.regex.Matcher m = id.matcher(record.value());
                    if (m.find()) {
                        staged.putIfAbsent(Integer.parseInt(m.group(1)), record.timestamp());
                    }
                }
            }
        }
        return staged;
    }

    private static int countAnswered(AtomicLongArray answered) {
        int count = 0;
        for (int i = 0; i < answered.length(); i++) {
            count += answered.get(i) == 0 ? 0 : 1;
        }
        return count;
    }

    /** The bundle's CPU seconds when it reported ready, by spec name: K3 counts the processing only. */
    static final Map<String, Double> CPU_AT_READY = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * K1, per run name ({@link Spec#withFirstRepeated()}): the terminal statuses event 0 got (1 when its repeat was
     * dropped) and whether the bundle logged dropping it as a duplicate.
     */
    record Repeat(int firstEventStatuses, boolean loggedAsDuplicate) {
    }

    static final Map<String, Repeat> REPEATS = new java.util.concurrent.ConcurrentHashMap<>();

    private static boolean declaresBaseline(Path bundleDir) {
        try {
            return java.nio.file.Files.readString(bundleDir.resolve("routes/consume-events.camel.yaml")).contains("name: camelKafkaIdempotency");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static Map<String, String> properties(Environment env, Spec spec, Map<String, String> topics, String run) {
        Map<String, String> properties = new HashMap<>();
        topics.forEach((name, topic) -> properties.put("notify.kafka.topic." + name, topic));
        properties.put("notify.kafka.brokers", env.broker().bootstrapServers());
        properties.put("notify.kafka.group-id", run);
        // one consumer per partition, as an operator tuning for a burst would set it
        properties.put("notify.kafka.consumers", String.valueOf(spec.partitions()));
        properties.put("notify.idempotency.repository", spec.store());
        // Camel's KafkaIdempotentRepository is the benchmarks' baseline only: its bean lives in the harness
        // (bench/camel-kafka-idempotency.camel.yaml), loaded next to the bundle's routes unless the build under
        // test still declares it itself (an older build)
        Path baseline = Path.of("bench", "camel-kafka-idempotency.camel.yaml").toAbsolutePath();
        if ("camelKafkaIdempotency".equals(spec.store()) && !declaresBaseline(env.bundleDir())) {
            properties.put("camel.main.routes-include-pattern", "file:routes/*.camel.yaml,file:" + baseline);
        }
        // each run its own dedupe store directory (dedupeStore, the default)
        properties.put("notify.idempotency.dir", env.logs().resolve(run + "-dedupe").toAbsolutePath().toString());
        properties.put("notify.contacts.http.base-url", env.stubs().baseUrl());
        properties.put("notify.smtp.host", "127.0.0.1");
        properties.put("notify.smtp.port", String.valueOf(env.smtpPort()));
        properties.put("notify.smtp.starttls", "false");
        properties.put("notify.smtp.starttls-required", "false");
        properties.put("notify.smtp.per-second", "1000000");
        properties.put("notify.politeness.limit", "0");
        if (env.sesEndpoint() != null) {
            properties.put("notify.ses.endpoint-override", env.sesEndpoint());
            properties.put("notify.ses.access-key-id", "bench");
            properties.put("notify.ses.secret-access-key", "bench");
        }
        properties.put("notify.pardot.base-url", env.stubs().baseUrl());
        properties.put("notify.pardot.oauth.instance-url", env.stubs().baseUrl());
        properties.put("notify.pardot.oauth.client-id", "bench");
        properties.put("notify.pardot.oauth.client-secret", "bench");
        properties.put("notify.pardot.business-unit-id", "0Uv000000000001AAA");
        properties.put("notify.pardot.quota.daily-limit", "0");
        properties.putAll(spec.properties());
        return properties;
    }

    static KafkaProducer<String, String> producer(EmbeddedKafkaBroker broker) {
        Map<String, Object> config = new HashMap<>(broker.clientConfig());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        return new KafkaProducer<>(config);
    }

    /**
     * A realistic ~300-byte CloudEvent keyed by recipient. Email and no-op events name one of 1,000 contacts
     * (looked up once each, then cached); Pardot events carry their own address, since the channel skips a
     * prospect upserted moments ago.
     */
    static ProducerRecord<String, String> record(String topic, String channel, String run, int i, Instant time) {
        return record(topic, channel, run, i, time, "com.example.account.welcome");
    }

    /** The same with another CloudEvents type (D4's bulk: a type not in notify.priority.types). */
    static ProducerRecord<String, String> record(String topic, String channel, String run, int i, Instant time, String type) {
        String contact = "c-" + (i % CONTACTS);
        String recipient = "pardot".equals(channel)
                ? "{\"email\":\"prospect-" + i + "@example.com\",\"name\":\"Prospect " + i + "\"}"
                : "{\"contactId\":\"" + contact + "\"}";
        return new ProducerRecord<>(topic, contact, """
                {"specversion":"1.0","id":"%s-%d","source":"/accounts","type":"%s",\
                "time":"%s","datacontenttype":"application/json","data":{"recipient":%s,"channels":["%s"],\
                "template":"welcome","params":{"plan":"standard","account":"A-%08d"}}}""".formatted(
                run, i, type, time, recipient, channel, i));
    }

    /**
     * The open loop, once the warm-up backlog is through: event i is due at start + i / rate and carries that
     * instant as its time, whether or not the bundle keeps up (no coordinated omission).
     */
    private static void publishAtRate(EmbeddedKafkaBroker broker, String topic, Spec spec, String run,
                                      AtomicLongArray eventTimesMicros, CountDownLatch warmedUp) {
        try (KafkaProducer<String, String> producer = producer(broker)) {
            warmedUp.await();
            Instant wallStart = Instant.now();
            long start = System.nanoTime();
            for (int i = spec.warmupEvents(); i < spec.events() && !Thread.currentThread().isInterrupted(); i++) {
                long dueNanos = start + (long) ((i - spec.warmupEvents()) * 1e9 / spec.rate());
                long wait = dueNanos - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                Instant due = wallStart.plusNanos(dueNanos - start);
                eventTimesMicros.set(i, micros(due));
                producer.send(record(topic, spec.channel(), run, i, due));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Per-thread CPU of the bundle over {@code window} of the open loop's paced part, on a thread of its own; the
     * future fails with the reason when jcmd or /proc could not be read (the run goes on, its D3 figure is missing).
     */
    private static void sampleCpu(long pid, CpuWindow window, CountDownLatch warmedUp, CompletableFuture<ThreadCpu.Window> result) {
        Thread sampler = new Thread(() -> {
            try {
                warmedUp.await();
                Thread.sleep((long) (window.afterSeconds() * 1000));
                ThreadCpu.Snapshot from = ThreadCpu.take(pid);
                Thread.sleep((long) (window.seconds() * 1000));
                result.complete(ThreadCpu.between(from, ThreadCpu.take(pid)));
            } catch (Exception | Error e) {
                result.completeExceptionally(e);
            }
        }, "bench-cpu-window");
        sampler.setDaemon(true);
        sampler.start();
    }

    /**
     * The window with the events delivered within it (by their statuses' time); null when it was not measured.
     * Each thread's CPU goes to {@code threadsFile} too: which thread is whose is worth a look.
     */
    private static ThreadCpu.Window windowOf(CompletableFuture<ThreadCpu.Window> sampled, Statuses statuses, Path threadsFile)
            throws IOException {
        ThreadCpu.Window window;
        try {
            window = sampled.getNow(null);
        } catch (CompletionException e) {
            Files.writeString(threadsFile, "not measured: " + e.getCause() + "\n");
            return null;
        }
        if (window == null) {
            Files.writeString(threadsFile, "not measured: the run ended before the window did\n");
            return null;
        }
        long from = micros(window.from());
        long to = micros(window.to());
        window = window.withEvents((int) statuses.deliveredMicros.stream().filter(t -> t >= from && t <= to).count());
        StringBuilder lines = new StringBuilder(String.format(Locale.ROOT, "window %s → %s (%.1f s), %d events delivered, process CPU %.2f s%n",
                window.from(), window.to(), window.seconds(), window.events(), window.processSeconds()));
        window.threads().entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(t -> lines.append(String.format(Locale.ROOT, "%8.3f s  %s%n", t.getValue(), t.getKey())));
        Files.writeString(threadsFile, lines);
        return window;
    }

    /** Tops the backlog up to {@code lead} events ahead of the bundle until {@code seconds} passed. */
    private static void sustain(EmbeddedKafkaBroker broker, String topic, Spec spec, String run,
                                AtomicLongArray eventTimesMicros, Statuses statuses) {
        int published = spec.lead();
        try (KafkaProducer<String, String> producer = producer(broker)) {
            long deadline = System.nanoTime() + (long) (spec.seconds() * 1e9);
            while (System.nanoTime() < deadline && published < spec.events()) {
                while (published - statuses.finished < spec.lead() && published < spec.events()) {
                    Instant now = Instant.now();
                    eventTimesMicros.set(published, micros(now));
                    producer.send(record(topic, spec.channel(), run, published, now));
                    published++;
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            statuses.expected = published;
        }
    }

    /** What the status topic said so far; throughput and latency count the measured events (index ≥ measuredFrom). */
    private static final class Statuses {
        final int measuredFrom;
        final CountDownLatch warmedUp;
        /** Events the run publishes in all (known at the end for a sustained run). */
        volatile int expected;
        volatile int finished;
        int delivered;
        int other;
        /** Event 0's id and its terminal statuses (more than one: its repeat was delivered again). */
        String firstId;
        int firstEventTerminal;
        /** When each measured event's delivered status was written (the status' own time). */
        final List<Long> deliveredMicros = new ArrayList<>();
        final List<Double> latenciesMs = new ArrayList<>();

        Statuses(int measuredFrom, int expected) {
            this.measuredFrom = measuredFrom;
            this.expected = expected;
            warmedUp = new CountDownLatch(measuredFrom);
        }
    }

    private static void awaitTerminal(EmbeddedKafkaBroker broker, String statusTopic, Spec spec,
                                      AtomicLongArray eventTimesMicros, Statuses statuses) throws Exception {
        Map<String, Object> config = new HashMap<>(broker.clientConfig());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        // generous: a stuck run fails instead of hanging the harness
        long deadline = System.nanoTime() + Duration.ofSeconds((long) spec.seconds() + 300 + spec.events() / 20).toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(statusTopic).stream()
                    .map(p -> new TopicPartition(statusTopic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (statuses.delivered + statuses.other < statuses.expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(spec.name() + ": only " + statuses.delivered + " delivered and "
                            + statuses.other + " otherwise finished of " + statuses.expected);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode status = JSON.readTree(record.value());
                    String outcome = status.path("data").path("status").asText();
                    if (!TERMINAL.contains(outcome)) {
                        continue;
                    }
                    statuses.warmedUp.countDown();
                    if (status.path("data").path("eventId").asText().equals(statuses.firstId)) {
                        statuses.firstEventTerminal++;
                    }
                    if (!"delivered".equals(outcome)) {
                        statuses.other++;
                        continue;
                    }
                    statuses.delivered++;
                    String eventId = status.path("data").path("eventId").asText();
                    int index = Integer.parseInt(eventId.substring(eventId.lastIndexOf('-') + 1));
                    if (index >= statuses.measuredFrom) {
                        long at = micros(Instant.parse(status.path("time").asText()));
                        statuses.deliveredMicros.add(at);
                        statuses.latenciesMs.add((at - eventTimesMicros.get(index)) / 1000.0);
                    }
                }
                statuses.finished = statuses.delivered + statuses.other;
            }
            if (spec.firstRepeated()) {
                // a second status of event 0 just after the last event's would still count: read a moment longer
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < until) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        JsonNode data = JSON.readTree(record.value()).path("data");
                        if (TERMINAL.contains(data.path("status").asText()) && data.path("eventId").asText().equals(statuses.firstId)) {
                            statuses.firstEventTerminal++;
                        }
                    }
                }
            }
        }
    }

    private static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000;
    }
}
