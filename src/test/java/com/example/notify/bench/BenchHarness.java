package com.example.notify.bench;

import com.example.notify.kafka.EmbeddedKafkaBroker;
import com.example.notify.support.SesEmulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The benchmark harness of issue 8 (run by {@code bench/run}): the packaged bundle as its own process against a
 * real Kafka broker, Postfix's smtp-sink, the SES emulator and HTTP stubs with latency; the baselines R_jm
 * (plain Jakarta Mail), R_kafka (Kafka's consumer benchmark) and R_default (camel-mail's default sender with
 * Camel's KafkaIdempotentRepository) in the same invocation, interleaved, median of the repetitions; one
 * table, then targets P1–P7 as PASS/FAIL with their figures ({@link Verdicts}: a figure not measured fails its
 * target, with the reason).
 *
 * <pre>BenchHarness --smtp-port P [--quick] [--events N] [--reps R] [--p4-warmup-events N] [--p4-seconds S] [--p5-seconds S]
 *              [--p6-seconds S] [--contact-latency-ms L] [--pardot-latency-ms L] [--pardot-rate 40] [--pardot-cap 3]
 *              [--only P1,P2,P3,SES,P4,P5,P6,P7,D0,D1,D2,D3,D4,V1,K1,K3,S1,L1,L2] [--d-events N (D0–D2; default --events)]
 *              [--k1-events 1000000 (K1: the event repeated after this many; --quick: --events)] [--smtp-delay-ms 50]
 *              [--d3-rate 200] [--d3-warmup-events N] [--d3-after-seconds S] [--d3-seconds S]
 *              [--d4-bulk 200000] [--d4-rate 5] [--d4-seconds 60] [--d4-properties k=v,… (a diagnosis, not D4)]
 *              [--s1-events 100000] [--s1-ahead-seconds 900 (S1: not in --quick unless named in --only)]
 *              [--l1-limit 100] [--l1-seconds 60 (L1: not in --quick unless named in --only)] [--l2-events 1200] [--l2-quota 300]
 *              [--prev-rev 001cf8f | --prev-build DIR (a checkout with target/ built)]
 *              [--p1-rate R (P4 paced at half of it when P1 is not run)] [--bundle-jvm "-XX:… (%r = run name)"] [--no-cds] [--out results.md]</pre>
 *
 * <p>The bundle starts as the image starts it: with the class-data archive {@code bin/cds-archive} makes (the
 * image build makes it too); {@code --no-cds} leaves it out. P7 is also measured once without it.
 */
public final class BenchHarness {

    private static final String P1 = "P1 email";
    private static final String R_DEFAULT = "R_default email";
    private static final String P2 = "P2 ingest";
    private static final String P7_COLD = "P7 start without the class-data archive (200 events)";
    private static final String P3 = "P3 ingest shared store";
    private static final String P3_BASE = "P3 base Camel's store";
    private static final String D0 = "D0 email, SMTP sink without delay";
    private static final String K1 = "K1 repeat after the backlog, dedupeStore";
    private static final String D1 = "D1 email, SMTP sink answering after";
    private static final String D2 = "D2 as D1, events and delivery topics 1 partition";
    private final Map<String, String> options;
    private final int events;
    private final int reps;
    private final StringBuilder report = new StringBuilder();

    /** P6: the configured rate and cap; 4 consumer threads, so the cap is what holds concurrency down. */
    private final double pardotRate;
    private final int pardotCap;

    private BenchHarness(Map<String, String> options) {
        this.options = options;
        pardotRate = intOption("pardot-rate", 40);
        pardotCap = intOption("pardot-cap", 3);
        boolean quick = options.containsKey("quick");
        events = intOption("events", quick ? 2_000 : 200_000);
        reps = intOption("reps", quick ? 1 : 3);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String key = args[i].replaceFirst("^--", "");
            options.put(key, i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "true");
        }
        new BenchHarness(options).run();
        System.exit(0); // the SES emulator's and the stubs' threads
    }

    private int intOption(String name, int otherwise) {
        return options.containsKey(name) ? Integer.parseInt(options.get(name)) : otherwise;
    }

    /** --only P1,P4,…: run just those workloads (P1 with R_default and R_jm, P2 with R_kafka, P3 with its base, SES). */
    private boolean wanted(String workload) {
        return !options.containsKey("only") || List.of(options.get("only").split(",")).contains(workload);
    }

    private boolean quick() {
        return options.containsKey("quick");
    }

    private double seconds(String name, double full, double quick) {
        return options.containsKey(name) ? Double.parseDouble(options.get(name)) : options.containsKey("quick") ? quick : full;
    }

    private void run() throws Exception {
        if (wanted("V1")) {
            // V1: the validator over adversarial generators, in this JVM (no broker, no bundle)
            List<String> v1 = ValidationBench.report(ValidationBench.run(ValidationBench.maxBytes(), quick() ? 5 : 40, quick()));
            v1.forEach(l -> line("%s", l));
            line("");
            if (options.containsKey("only") && List.of(options.get("only").split(",")).stream().allMatch(w -> w.equals("V1"))) {
                if (options.containsKey("out")) {
                    Files.writeString(Path.of(options.get("out")), report);
                }
                return;
            }
        }
        int smtpPort = Integer.parseInt(options.get("smtp-port"));
        Path work = Files.createTempDirectory("notify-bench");
        Path logs = Files.createDirectories(Path.of("target/bench/logs").toAbsolutePath());
        Path bundleDir = prepareBundleDir(work.resolve("bundle"));
        int cores = Runtime.getRuntime().availableProcessors();
        line("# Benchmark run %s — %d events, %d repetition(s), %d cores%s", LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS),
                events, reps, cores, options.containsKey("quick") ? " (quick mode: figures not meaningful)" : "");
        int smtpDelayMs = intOption("smtp-delay-ms", 50);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), 0);
             HttpStubs stubs = new HttpStubs(intOption("contact-latency-ms", 5), intOption("pardot-latency-ms", 50));
             DelayingSmtpSink delayingSink = new DelayingSmtpSink(smtpDelayMs)) {
            List<String> bundleJvm = options.containsKey("bundle-jvm")
                    ? List.of(options.get("bundle-jvm").trim().split("\\s+")) : List.of();
            Path jar = Path.of("target/notification-routes.jar").toAbsolutePath();
            BundleRun.Environment withoutArchive = new BundleRun.Environment(broker, smtpPort, SesEmulator.endpoint(), stubs,
                    jar, bundleDir, logs, bundleJvm);
            BundleRun.Environment env = options.containsKey("no-cds") ? withoutArchive
                    : new BundleRun.Environment(broker, smtpPort, SesEmulator.endpoint(), stubs, jar, bundleDir, logs,
                            concat(bundleJvm, "-XX:SharedArchiveFile=" + classDataArchive(logs)));
            BundleRun.Environment delayed = env.withSmtpPort(delayingSink.port());
            String d1 = D1 + " " + smtpDelayMs + " ms";
            int dEvents = intOption("d-events", events);
            Map<String, String> pooled = Map.of();
            Map<String, String> camelDefaultSender = Map.of("notify.smtp.endpoint-options", "debugMode=false");

            Map<String, List<BundleRun.Result>> runs = new LinkedHashMap<>();
            List<Double> jakartaMail = new ArrayList<>();
            List<Double> kafka = new ArrayList<>();
            List<Double> storeOurs = new ArrayList<>();
            List<Double> storeCamel = new ArrayList<>();
            for (int rep = 1; rep <= reps; rep++) {
                progress("repetition %d of %d", rep, reps);
                if (wanted("P1")) {
                    record(runs, BundleRun.run(env, BundleRun.Spec.backlog(P1, "email", "kafkaIdempotency", events, pooled)));
                    record(runs, BundleRun.run(env, BundleRun.Spec.backlog(R_DEFAULT, "email", "camelKafkaIdempotency", events,
                            camelDefaultSender)));
                    jakartaMail.add(Baselines.jakartaMail(smtpPort, events, 4));
                    progress("  R_jm: %.0f messages/s", jakartaMail.get(jakartaMail.size() - 1));
                }
                if (wanted("P2")) {
                    BundleRun.Result ingest = BundleRun.run(env, BundleRun.Spec.backlog(P2, "noop", "memoryIdempotency", events, pooled));
                    record(runs, ingest);
                    kafka.add(Baselines.kafkaConsumer(broker.bootstrapServers(), ingest.eventsTopic(), events,
                            logs.resolve("kafka-perf.log")));
                    progress("  R_kafka: %.0f records/s", kafka.get(kafka.size() - 1));
                }
                if (wanted("P3")) {
                    record(runs, BundleRun.run(env, BundleRun.Spec.backlog(P3, "noop", "kafkaIdempotency", events, pooled)));
                    record(runs, BundleRun.run(env, BundleRun.Spec.backlog(P3_BASE, "noop", "camelKafkaIdempotency", events, pooled)));
                    storeOurs.add(StoreBench.keysPerSecond(broker, true, events));
                    storeCamel.add(StoreBench.keysPerSecond(broker, false, events));
                    progress("  stores alone: ours %.0f keys/s, Camel's %.0f keys/s", storeOurs.get(storeOurs.size() - 1),
                            storeCamel.get(storeCamel.size() - 1));
                }
                if (wanted("K3")) {
                    // issue 20: bundle CPU per event on the ingest path to the no-op channel, the production dedupe
                    // store against the in-memory one, interleaved in one invocation
                    BundleRun.Result disk = BundleRun.run(env, BundleRun.Spec.backlog("K3 ingest, dedupeStore", "noop", "dedupeStore", events, pooled));
                    BundleRun.Result memory = BundleRun.run(env, BundleRun.Spec.backlog("K3 ingest, memoryIdempotency", "noop",
                            "memoryIdempotency", events, pooled));
                    record(runs, disk);
                    record(runs, memory);
                    // CPU from ready to the last event's terminal status: the processing, not the start-up
                    double diskCpu = (disk.cpuSeconds() - BundleRun.CPU_AT_READY.get(disk.spec().name())) / (events / 1000.0);
                    double memoryCpu = (memory.cpuSeconds() - BundleRun.CPU_AT_READY.get(memory.spec().name())) / (events / 1000.0);
                    progress("  K3: CPU s per 1,000 events after ready: dedupeStore %.2f, memoryIdempotency %.2f, ratio %.2f"
                            + " (target <= 1.2); incl. start-up: %.2f / %.2f", diskCpu, memoryCpu, diskCpu / memoryCpu,
                            disk.cpuPerThousand(), memory.cpuPerThousand());
                }
                // D0–D2: the email path on the default settings (the harness raises only the SMTP throttle, a provider
                // quota of 50/s by default, for every run), interleaved so that D1 / D0 and D2 / D1 compare like with like
                if (wanted("D0")) {
                    record(runs, BundleRun.run(env, BundleRun.Spec.backlog(D0, "email", "kafkaIdempotency", dEvents, pooled)));
                }
                if (wanted("D1")) {
                    record(runs, BundleRun.run(delayed, BundleRun.Spec.backlog(d1, "email", "kafkaIdempotency", dEvents, pooled)));
                }
                if (wanted("D2")) {
                    record(runs, BundleRun.run(delayed, BundleRun.Spec.backlog(D2, "email", "kafkaIdempotency", dEvents, pooled)
                            .withPartitions(1)));
                }
            }
            // P4 is paced by the email path's steady state, not by P1's whole-run rate: a drained backlog's
            // rate is dominated by warm-up, and P4 itself starts warm (see Spec.openLoop)
            String p4Base = runs.containsKey(P1) ? "steady-state" : options.containsKey("p1-rate") ? "--p1-rate"
                    : "steady-state (P1 not run, no --p1-rate)";
            double p4BaseRate = runs.containsKey(P1) ? steadyRate(runs.get(P1))
                    : Double.parseDouble(options.getOrDefault("p1-rate", "NaN"));
            progress("single runs");
            List<BundleRun.Result> singles = new ArrayList<>();
            if (wanted("SES")) {
                singles.add(BundleRun.run(env, BundleRun.Spec.backlog("email via SES emulator", "email", "kafkaIdempotency",
                        Math.max(200, events / 20), Map.of("notify.email.provider", "ses"))));
            }
            BundleRun.Result k1 = null;
            if (wanted("K1")) {
                // issue 20: the first event again after a million others, to the no-op channel (ingest and dedupe are
                // what is under test), on the production store
                int k1Events = intOption("k1-events", quick() ? events : 1_000_000);
                k1 = BundleRun.run(env, BundleRun.Spec.backlog(K1, "noop", "dedupeStore", k1Events + 2, pooled).withFirstRepeated());
                singles.add(k1);
            }
            BundleRun.Result p4 = null;
            if (wanted("P4") && Double.isFinite(p4BaseRate)) {
                p4 = BundleRun.run(env, BundleRun.Spec.openLoop("P4 open loop at 50 % of the steady state", "email", "kafkaIdempotency",
                        p4BaseRate / 2, intOption("p4-warmup-events", quick() ? 500 : 10_000), seconds("p4-seconds", 60, 5), pooled));
                singles.add(p4);
            }
            BundleRun.Result p5 = null;
            if (wanted("P5")) {
                p5 = BundleRun.run(env, BundleRun.Spec.sustained("P5 email -Xmx256m", "email", "kafkaIdempotency",
                        seconds("p5-seconds", 600, 20), quick() ? 500 : 5_000, pooled).withHeap("256m"));
                singles.add(p5);
            }
            BundleRun.Result p6 = null;
            int p6MaxInFlight = 0;
            if (wanted("P6")) {
                p6 = BundleRun.run(env, BundleRun.Spec.backlog("P6 Pardot", "pardot", "kafkaIdempotency",
                        (int) (pardotRate * seconds("p6-seconds", 60, 10)), Map.of("notify.pardot.per-second",
                                String.valueOf((int) pardotRate), "notify.pardot.max-concurrent", String.valueOf(pardotCap))));
                p6MaxInFlight = stubs.maxUpsertsInFlight();
                singles.add(p6);
            }
            BundleRun.Result cold = null;
            if (wanted("P7") && !options.containsKey("no-cds")) {
                cold = BundleRun.run(withoutArchive, BundleRun.Spec.backlog(P7_COLD, "noop", "memoryIdempotency", 200, pooled));
                singles.add(cold);
            }
            BundleRun.Result d3 = null;
            BundleRun.Result d3Previous = null;
            String previous = options.getOrDefault("prev-rev", "001cf8f");
            String previousMissing = null;
            if (wanted("D3")) {
                // both builds without the class-data archive (one archive fits one jar); it shortens the start, not the steady state
                d3 = BundleRun.run(withoutArchive, d3Spec("D3 CPU per event, this build", pooled));
                singles.add(d3);
                try {
                    Path previousBuild = previousBuild(previous, logs);
                    d3Previous = BundleRun.run(withoutArchive.withBuild(previousBuild.resolve("target/notification-routes.jar"),
                            prepareBundleDir(previousBuild, work.resolve("previous-bundle"))), d3Spec("D3 CPU per event, previous build "
                            + previous, pooled));
                    singles.add(d3Previous);
                } catch (Exception e) {
                    previousMissing = "previous build " + previous + " not measured: " + e.getMessage();
                    progress("  %s", previousMissing);
                }
            }
            BundleRun.PriorityResult d4 = null;
            String d4LoadBefore = loadAverage();
            String d4LoadAfter = null;
            if (wanted("D4")) {
                // D4: the priority lane behind a bulk backlog, on the defaults and the 50 ms relay (SMTP throttle raised as for D0–D2)
                int bulk = intOption("d4-bulk", quick() ? 2_000 : 200_000);
                // --d4-properties k=v,k=v: a diagnosis on other settings; its row says so (D4 itself is on the defaults)
                Map<String, String> d4Properties = new LinkedHashMap<>();
                for (String pair : options.getOrDefault("d4-properties", "").split(",")) {
                    if (!pair.isBlank()) {
                        d4Properties.put(pair.substring(0, pair.indexOf('=')).strip(), pair.substring(pair.indexOf('=') + 1).strip());
                    }
                }
                d4 = BundleRun.priorityUnderBacklog(delayed, delayingSink, "D4 priority lane behind a bulk backlog", bulk,
                        intOption("d4-rate", 5), seconds("d4-seconds", 60, 10), Math.min(1_000, bulk / 10), 60, d4Properties);
                d4LoadAfter = loadAverage();
                progress("  D4: %d of %d high-priority emails delivered, p99 %s ms; %.0f bulk pending at the last; bulk %.0f emails/s",
                        d4.urgentDelivered(), d4.urgentPublished(), Verdicts.ms(Stats.percentile(d4.latenciesMs(), 99)),
                        d4.bulkPendingAtLast(), d4.bulkPerSecond());
            }
            WaitingCost.Result s1 = null;
            // S1 (issue 25): what waiting scheduled sends cost; ~20 minutes at 100,000, so quick mode runs it only when named
            if (wanted("S1") && (!quick() || options.containsKey("only"))) {
                s1 = WaitingCost.run(env, work.resolve("kafka"), "S1 scheduled sends waiting", intOption("s1-events", quick() ? events : 100_000),
                        seconds("s1-ahead-seconds", 900, 90), pooled);
                progress("  S1: accept %.3f ms CPU per event, waiting %.1f ms CPU/s, %.2f tier copies per message so far, release %.3f ms per event",
                        s1.acceptCpuMsPerEvent(), s1.waitCpuMsPerSecond(), s1.copiesPerMessage(), s1.releaseCpuMsPerEvent());
            }
            List<RateLimitRun.Result> l1 = new ArrayList<>();
            // L1 (issue 22): a cluster-wide limit held by 1, 2 and 3 packaged bundles (~8 minutes); quick mode only when named
            if (wanted("L1") && (!quick() || options.containsKey("only"))) {
                for (int replicas = 1; replicas <= 3; replicas++) {
                    RateLimitRun.Result r = RateLimitRun.run(delayed, delayingSink, replicas, intOption("l1-limit", 100),
                            seconds("l1-seconds", 60, 20));
                    l1.add(r);
                    progress("  L1 %d replica(s): %.1f/s steady (%.3f ×), max 10-s window %.1f/s", replicas, r.steadyRate(), r.steadyRatio(),
                            r.max10sRate());
                }
            }
            RateLimitRun.PardotResult l2 = null;
            if (wanted("L2") && (!quick() || options.containsKey("only"))) {
                l2 = RateLimitRun.pardot(env, stubs, 3, intOption("l2-events", 1200), intOption("l2-quota", 300), 5);
                progress("  L2: %d upserts (quota %d), at most %d in flight, %d deferred", l2.upserts(), l2.dailyLimit(), l2.maxInFlight(),
                        l2.deferred());
            }
            singles.forEach(r -> progress("  %s: %.0f events/s", r.spec().name(), r.eventsPerSecond()));

            table(runs, jakartaMail, kafka, singles);
            if (!storeOurs.isEmpty()) {
                line("");
                line("Idempotency stores alone (no route; contains + add + confirm per key from 4 threads, until every key is "
                        + "on the topic; median of %d): ours %.0f keys/s, Camel's KafkaIdempotentRepository %.0f keys/s, ratio %.1f.",
                        storeOurs.size(), Stats.median(storeOurs), Stats.median(storeCamel), medianRatio(storeOurs, storeCamel));
            }
            if (d3 != null) {
                cpuPerEvent(d3, d3Previous);
            }
            if (s1 != null) {
                line("");
                WaitingCost.report(s1).forEach(l -> line("%s", l));
            }
            if (!l1.isEmpty()) {
                line("");
                RateLimitRun.report(l1).forEach(l -> line("%s", l));
            }
            if (l2 != null) {
                line("");
                RateLimitRun.pardotReport(l2).forEach(l -> line("%s", l));
            }
            if (d4 != null) {
                line("");
                line("D4: %,d bulk email events (%s, no priority) queued on the events topic before the start; once the relay had "
                        + "answered %,d of them, %d high-priority email events (priority high) published to the priority events topic at "
                        + "%.0f/s; latency from publish to the relay's answer (%d ms after the message arrived), same clock. Bundle "
                        + "ready in %.1f s; stopped once the last high-priority email was answered (%.1f s after the last publish), the "
                        + "backlog not drained.", d4.bulk(), BundleRun.BULK_TYPE, d4.bulkAnsweredAtFirstPublish(), d4.urgentPublished(),
                        d4.rate(), smtpDelayMs, d4.readySeconds(), d4.waitedSeconds());
                line("Where the time went (%d of them; split at their delivery record's Kafka timestamp, wall clock): publish → staged "
                        + "on the priority delivery topic p50 %s / p99 %s ms, staged → answered p50 %s / p99 %s ms. Load average "
                        + "(/proc/loadavg) %s before, %s after. Each one: target/bench/logs/*.d4.csv.", d4.ingestMs().size(),
                        Verdicts.ms(Stats.percentile(d4.ingestMs(), 50)), Verdicts.ms(Stats.percentile(d4.ingestMs(), 99)),
                        Verdicts.ms(Stats.percentile(d4.emailStageMs(), 50)), Verdicts.ms(Stats.percentile(d4.emailStageMs(), 99)),
                        d4LoadBefore, d4LoadAfter);
            }
            // P7: every start in the same setting (the class-data archive unless --no-cds), repeated runs and singles
            List<BundleRun.Result> archiveStarts = new ArrayList<>(singles);
            archiveStarts.remove(cold);
            archiveStarts.remove(d3);
            archiveStarts.remove(d3Previous);
            runs.values().forEach(archiveStarts::addAll);
            List<Double> starts = archiveStarts.stream().map(BundleRun.Result::readySeconds).toList();
            line("");
            line("| target | figure | goal | result |");
            line("|---|---|---|---|");
            if (runs.containsKey(P1)) {
                target(Verdicts.p1(runs.get(P1), jakartaMail, runs.get(R_DEFAULT)));
            }
            if (runs.containsKey(P2)) {
                target(Verdicts.p2(runs.get(P2), kafka));
            }
            if (runs.containsKey(P3)) {
                target(Verdicts.p3(runs.get(P3), runs.get(P3_BASE)));
            }
            if (wanted("P4")) {
                target(Verdicts.p4(p4BaseRate, p4Base, p4));
            }
            if (p5 != null) {
                target(Verdicts.p5(p5));
            }
            if (p6 != null) {
                target(Verdicts.p6(p6, pardotRate, pardotCap, p6MaxInFlight, intOption("pardot-latency-ms", 50)));
            }
            if (k1 != null) {
                target(Verdicts.k1(k1, BundleRun.REPEATS.get(K1)));
            }
            if (runs.containsKey(D0)) {
                target(Verdicts.d0(runs.get(D0)));
            }
            if (runs.containsKey(d1)) {
                target(Verdicts.d1(runs.get(d1), runs.getOrDefault(D0, List.of())));
            }
            if (runs.containsKey(D2)) {
                target(Verdicts.d2(runs.get(D2), runs.getOrDefault(d1, List.of())));
            }
            if (d3 != null) {
                target(Verdicts.d3(d3, d3Previous, previous, previousMissing));
            }
            if (!l1.isEmpty()) {
                target(Verdicts.l1(l1));
            }
            if (l2 != null) {
                target(Verdicts.l2(l2));
            }
            if (d4 != null) {
                Verdicts.Row row = Verdicts.d4(d4);
                target(options.containsKey("d4-properties") ? new Verdicts.Row(row.target() + " — NOT the defaults: "
                        + options.get("d4-properties"), row.figure(), row.goal(), row.result()) : row);
            }
            if (wanted("P7") || !starts.isEmpty()) {
                target(Verdicts.p7(starts, options.containsKey("no-cds") ? "no class-data archive" : "with the image's class-data archive",
                        cold == null ? Double.NaN : cold.readySeconds()));
            }
        }
        if (options.containsKey("out")) {
            Files.writeString(Path.of(options.get("out")), report);
        }
    }

    /**
     * D3's workload: an open loop at --d3-rate (one both builds keep up with, so that they do the same work per
     * second) after a drained warm-up backlog; per-thread CPU sampled over --d3-seconds, --d3-after-seconds into it.
     */
    private BundleRun.Spec d3Spec(String name, Map<String, String> properties) {
        // 60 s: 20 s in, the C2 compiler still took ~1 ms of the bundle's CPU per event (this build, 2 loaded cores)
        double after = seconds("d3-after-seconds", 60, 3);
        double window = seconds("d3-seconds", 60, 5);
        // 2 s past the window: it ends while events are still arriving
        return BundleRun.Spec.openLoop(name, "email", "kafkaIdempotency", intOption("d3-rate", 200),
                intOption("d3-warmup-events", quick() ? 500 : 10_000), after + window + 2, properties)
                .withCpuWindow(new BundleRun.CpuWindow(after, window));
    }

    /** D3's breakdown: CPU per event delivered in the window, by part of the bundle, for this build and the previous one. */
    private void cpuPerEvent(BundleRun.Result current, BundleRun.Result previous) {
        line("");
        line("D3: CPU of the bundle process per event delivered in the window (jcmd Thread.print per thread, /proc for the process; "
                + "broker and sinks run elsewhere, not counted), ms per event. Open loop at %.0f events/s, no class-data archive.",
                current.spec().rate());
        line("");
        line("| build | window s | events (per s) | %s | total |", String.join(" | ", ThreadCpu.PARTS));
        line("|---|---|---|%s---|", "---|".repeat(ThreadCpu.PARTS.size()));
        for (BundleRun.Result result : java.util.Arrays.asList(current, previous)) {
            if (result == null) {
                continue;
            }
            ThreadCpu.Window window = result.cpuWindow();
            if (window == null) {
                line("| %s | not measured (see its .threads.txt log) |", result.spec().name());
                continue;
            }
            StringBuilder parts = new StringBuilder();
            window.byPart(result.eventsTopic()).values().forEach(cpu -> parts.append(String.format(Locale.ROOT, "%.3f | ",
                    window.msPerEvent(cpu))));
            line("| %s | %.1f | %d (%.0f) | %s%.3f |", result.spec().name(), window.seconds(), window.events(),
                    window.events() / window.seconds(), parts,
                    window.msPerEvent(window.processSeconds()));
        }
        line("");
        line("A build without stages does all of it on the events topic's consumer threads (its \"ingest\" column). The email "
                + "stage: its topic's consumer and the lane threads (\"Split\"; only email has deliveries here). Producers' network "
                + "threads, the idempotency store's follower and the other stages' idle consumers serve no one stage: reported "
                + "apart, not shared out. Each thread's figure: target/bench/logs/*.threads.txt.");
    }

    /**
     * The build before the staged delivery, for D3's A/B: --prev-build (a checkout with target/ built), else
     * --prev-rev exported with git archive into target/bench/prev-REV and packaged there once (kept for later runs).
     */
    private Path previousBuild(String rev, Path logs) throws IOException, InterruptedException {
        if (options.containsKey("prev-build")) {
            return Path.of(options.get("prev-build")).toAbsolutePath();
        }
        Path dir = Path.of("target/bench/prev-" + rev).toAbsolutePath();
        if (!Files.exists(dir.resolve("target/notification-routes.jar"))) {
            progress("previous build: %s → %s (git archive, mvn package)", rev, dir);
            Files.createDirectories(dir);
            Path log = logs.resolve("previous-build.log");
            Process build = new ProcessBuilder("bash", "-c", "set -eo pipefail; git archive --format=tar \"$0\" | tar -x -C \"$1\" "
                    + "&& cd \"$1\" && mvn -q -B package -DskipTests", rev, dir.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (build.waitFor() != 0) {
                throw new IOException("git archive / mvn package failed, see " + log);
            }
        }
        return dir;
    }

    /** The class-data archive the image builds (bin/cds-archive), for this build's jar. */
    private static Path classDataArchive(Path logs) throws IOException, InterruptedException {
        Path archive = logs.resolveSibling("notification-routes.jsa");
        progress("class-data archive: bin/cds-archive (starts the bundle once in the dev profile)");
        Process process = new ProcessBuilder("bin/cds-archive", Path.of("target/notification-routes.jar").toAbsolutePath().toString(),
                archive.toString()).redirectErrorStream(true).redirectOutput(logs.resolve("cds-archive.log").toFile()).start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("bin/cds-archive failed, see " + logs.resolve("cds-archive.log"));
        }
        return archive;
    }

    /** The machine's load averages (1, 5, 15 min): the two cores are shared. */
    private static String loadAverage() {
        try {
            String[] load = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return load[0] + " / " + load[1] + " / " + load[2];
        } catch (IOException e) {
            return "unreadable";
        }
    }

    private static List<String> concat(List<String> list, String item) {
        List<String> all = new ArrayList<>(list);
        all.add(item);
        return all;
    }

    private static void record(Map<String, List<BundleRun.Result>> runs, BundleRun.Result result) {
        runs.computeIfAbsent(result.spec().name(), k -> new ArrayList<>()).add(result);
        progress("  %s: %.0f events/s (steady state %.0f), ready %.1f s, peak RSS %.0f MB, CPU %.1f s", result.spec().name(),
                result.eventsPerSecond(), result.steadyEventsPerSecond(), result.readySeconds(), result.peakRssMb(), result.cpuSeconds());
    }

    private void table(Map<String, List<BundleRun.Result>> runs, List<Double> jakartaMail, List<Double> kafka,
                       List<BundleRun.Result> singles) {
        line("");
        line("| workload | events/s | emails/s | latency p50 / p99 / p99.9 ms | peak RSS MB | heap after GC MB (last; floor middle→last third) | CPU s per 1k events | start to ready s |");
        line("|---|---|---|---|---|---|---|---|");
        runs.forEach((name, results) -> row(name + " (median of " + results.size() + ")", results));
        if (!jakartaMail.isEmpty()) {
            line("| R_jm plain Jakarta Mail, 4 connections (median of %d) | | %.0f | | | | | |", jakartaMail.size(),
                    Stats.median(jakartaMail));
        }
        if (!kafka.isEmpty()) {
            line("| R_kafka kafka-consumer-perf-test (median of %d) | %.0f | | | | | | |", kafka.size(), Stats.median(kafka));
        }
        for (BundleRun.Result single : singles) {
            row(single.spec().name(), List.of(single));
        }
        line("");
        line("Latency: event `time` → its delivered status (written once the sink accepted); for a drained backlog it is "
                + "mostly time queued, P4's open loop shows the service latency. Heap: from the bundle's GC log.");
    }

    private void row(String name, List<BundleRun.Result> results) {
        boolean email = "email".equals(results.get(0).spec().channel());
        double rate = Stats.median(Verdicts.rates(results));
        line("| %s | %.0f | %s | %s / %s / %s | %.0f | %s | %.1f | %.1f |", name, rate, email ? String.format("%.0f", rate) : "—",
                Verdicts.ms(median(results, BundleRun.Result::p50Ms)), Verdicts.ms(median(results, BundleRun.Result::p99Ms)),
                Verdicts.ms(median(results, BundleRun.Result::p999Ms)), median(results, BundleRun.Result::peakRssMb),
                heap(results.get(results.size() - 1).heap()), median(results, BundleRun.Result::cpuPerThousand),
                median(results, BundleRun.Result::readySeconds));
    }

    private void target(Verdicts.Row row) {
        line("| %s | %s | %s | %s |", row.target(), row.figure(), row.goal(), row.result());
    }

    /** Median of the per-repetition ratios: each repetition's A and B ran back to back on the same machine state. */
    private static double medianRatio(List<Double> a, List<Double> b) {
        return Stats.median(Verdicts.ratios(a, b));
    }

    /** The repetitions' median steady-state rate; NaN if any repetition has none (a median would hide it). */
    private static double steadyRate(List<BundleRun.Result> results) {
        List<Double> steady = results.stream().map(BundleRun.Result::steadyEventsPerSecond).toList();
        return steady.stream().allMatch(Double::isFinite) ? Stats.median(steady) : Double.NaN;
    }

    private static double median(List<BundleRun.Result> results, Function<BundleRun.Result, Double> figure) {
        return Stats.median(results.stream().map(figure).toList());
    }

    private static String heap(GcLog.Summary heap) {
        return Double.isNaN(heap.growthPercent())
                ? String.format("%.0f", heap.lastAfterMb())
                : String.format("%.0f; %.0f→%.0f (%+.1f %%)", heap.lastAfterMb(), heap.middleFloorMb(), heap.lastFloorMb(),
                        heap.growthPercent());
    }

    private void line(String format, Object... args) {
        String text = String.format(Locale.ROOT, format, args);
        System.out.println(text);
        report.append(text).append('\n');
    }

    private static void progress(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
    }

    /**
     * The bundle's configuration as an integrator would have it, plus one channel the harness adds the way README
     * "Add a channel" says: {@code noop}, an instance of the channel-delivery template whose send route sends nothing
     * (dedupe per (event, noop) and the delivered status; P2/P3 measure the ingest path).
     */
    private static Path prepareBundleDir(Path dir) throws IOException {
        return prepareBundleDir(Path.of(""), dir);
    }

    /** The same from the checkout at {@code source} (another build's). */
    private static Path prepareBundleDir(Path source, Path dir) throws IOException {
        for (String part : List.of("routes", "templates")) {
            try (Stream<Path> files = Files.walk(source.resolve(part))) {
                for (Path file : files.toList()) {
                    Path target = dir.resolve(source.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        Files.copy(source.resolve("application.properties"), dir.resolve("application.properties"));
        Files.writeString(dir.resolve("routes/deliver-noop.camel.yaml"), """
                # added by the benchmark harness: a channel that delivers nowhere, with the shape every channel has
                # (channel-delivery: dedupe per (event, channel), the send route, status delivered)
                - templatedRoute:
                    routeTemplateRef: channel-delivery
                    routeId: deliver-noop
                    parameters:
                      - name: channel
                        value: noop
                      - name: send
                        value: direct:send-noop

                - route:
                    id: send-noop
                    routeConfigurationId: provider-send
                    description: Sends nothing
                    from:
                      id: from-send-noop
                      uri: direct:send-noop
                      steps:
                        - setProperty:
                            id: noop-provider
                            name: notifyProvider
                            constant: noop
                """);
        Path router = dir.resolve("routes/route-by-channel.camel.yaml");
        String routes = Files.readString(router);
        String marker = "                  otherwise:\n";
        if (!routes.contains(marker)) {
            throw new IllegalStateException("route-by-channel has no otherwise: cannot add the no-op channel");
        }
        // the first otherwise is the channel choice of route-by-channel; later ones (stage-delivery's) stay as they are
        int at = routes.indexOf(marker);
        Files.writeString(router, routes.substring(0, at) + """
                                    - id: when-noop
                                      simple: "${exchangeProperty.notifyChannel} == 'noop'"
                                      steps:
                                        - to:
                                            id: noop-preferences
                                            uri: direct:apply-preferences
                                        - to:
                                            id: to-deliver-noop
                                            uri: direct:deliver-noop
                """ + routes.substring(at));
        return dir;
    }
}
