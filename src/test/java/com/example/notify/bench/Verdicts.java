package com.example.notify.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Targets P1–P7 and D0–D4 judged from the run's figures, one row of the targets table each. A verdict passes only when
 * every figure it rests on was measured: a NaN (too few samples, too few collections), an infinite ratio (a
 * baseline of 0) or a figure the harness could not read fails it and says why. A bare comparison does not do
 * that: "growth not above 5 %" is true of NaN, and a ratio to a baseline of 0 is above any goal.
 */
final class Verdicts {

    record Row(String target, String figure, String goal, String result) {
    }

    private Verdicts() {
    }

    static Row p1(List<BundleRun.Result> p1, List<Double> jakartaMail, List<BundleRun.Result> rDefault) {
        List<Double> vsJm = ratios(rates(p1), jakartaMail);
        List<Double> vsDefault = ratios(rates(p1), rates(rDefault));
        double jm = Stats.median(vsJm);
        double dflt = Stats.median(vsDefault);
        return new Row("P1 full email path", format("%.3f × R_jm, %.2f × R_default", jm, dflt), "≥ 0.8 × R_jm and ≥ 3 × R_default",
                new Missing().finite(vsJm, "P1 / R_jm").finite(vsDefault, "P1 / R_default").allDelivered("P1", p1)
                        .allDelivered("R_default", rDefault).result(jm >= 0.8 && dflt >= 3));
    }

    static Row p2(List<BundleRun.Result> p2, List<Double> kafka) {
        List<Double> vsKafka = ratios(rates(p2), kafka);
        double ratio = Stats.median(vsKafka);
        return new Row("P2 ingest, in-memory dedupe", format("%.4f × R_kafka", ratio), "≥ 0.10 × R_kafka",
                new Missing().finite(vsKafka, "P2 / R_kafka").allDelivered("P2", p2).result(ratio >= 0.10));
    }

    static Row p3(List<BundleRun.Result> p3, List<BundleRun.Result> base) {
        List<Double> vsBase = ratios(rates(p3), rates(base));
        double ratio = Stats.median(vsBase);
        return new Row("P3 ingest, shared durable store", format("%.2f × Camel's KafkaIdempotentRepository", ratio), "≥ 10 ×",
                new Missing().finite(vsBase, "P3 / base").allDelivered("P3", p3).allDelivered("P3 base", base).result(ratio >= 10));
    }

    /**
     * P4 at half of {@code baseRate} ({@code base} says what that is: the email path's steady-state rate, or
     * --p1-rate); {@code p4} null: not run, since there was no rate to pace it by.
     */
    static Row p4(double baseRate, String base, BundleRun.Result p4) {
        String goal = "p99 ≤ 250 ms, p99.9 ≤ 1 s";
        if (p4 == null || !Double.isFinite(baseRate)) {
            return new Row("P4 open loop at 50 % of " + base, "—", goal, "FAIL (not run: " + base + " rate not measurable)");
        }
        return new Row(format("P4 open loop at 50 %% of %s %.0f events/s (%.0f events/s)", base, baseRate, p4.spec().rate()),
                format("p99 %s ms, p99.9 %s ms (%.0f events/s delivered)", ms(p4.p99Ms()), ms(p4.p999Ms()), p4.eventsPerSecond()),
                goal, new Missing().finite(p4.p99Ms(), "no latency measured").allDelivered("P4", List.of(p4))
                        .result(p4.p99Ms() <= 250 && p4.p999Ms() <= 1000));
    }

    static Row p5(BundleRun.Result p5) {
        GcLog.Summary heap = p5.heap();
        return new Row(format("P5 full email path at full speed for %.0f s with -Xmx256m", p5.spec().seconds()),
                format("%,d events over %.1f min, peak RSS %.0f MB, heap-after-GC floor %+.1f %%, %s, %d not delivered",
                        p5.delivered() + p5.otherTerminal(), p5.delivered() / p5.eventsPerSecond() / 60, p5.peakRssMb(),
                        heap.growthPercent(), p5.outOfMemory() ? "OutOfMemoryError" : "no OOM", p5.otherTerminal()),
                "RSS ≤ 512 MB, heap after GC ≤ 5 % growth, no OOM",
                new Missing().finite(p5.peakRssMb(), "peak RSS not readable")
                        .finite(heap.growthPercent(), "heap-after-GC growth not measurable: %d collections", heap.collections())
                        .result(p5.peakRssMb() <= 512 && heap.growthPercent() <= 5 && !p5.outOfMemory() && p5.otherTerminal() == 0));
    }

    static Row p6(BundleRun.Result p6, double configuredRate, int cap, int maxInFlight, int latencyMs) {
        double rate = p6.eventsPerSecond();
        return new Row("P6 Pardot, stub answering after " + latencyMs + " ms",
                format("%.1f upserts/s of %.0f configured (%.2f), at most %d in flight (cap %d)", rate, configuredRate,
                        rate / configuredRate, maxInFlight, cap),
                "≥ 0.95 × configured rate, never above the cap",
                new Missing().finite(rate, "upsert rate not measurable: %d delivered", p6.delivered())
                        // the stub counts what reaches it: 0 in flight means it saw no upsert, not that the cap held
                        .unless(maxInFlight > 0, "no upsert seen in flight at the stub").allDelivered("P6", List.of(p6))
                        .result(rate >= 0.95 * configuredRate && maxInFlight <= cap));
    }

    /**
     * P7 by the slowest start: a pod restarted is ready as late as its start, and the median of a run's starts
     * hid single starts of 8 and 9 s. {@code starts}: process start → ready of every bundle run in the same
     * setting ({@code archive} says which); {@code coldStart}: once without the archive, NaN when not run.
     */
    static Row p7(List<Double> starts, String archive, double coldStart) {
        double slowest = starts.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        long unmeasured = starts.stream().filter(s -> !Double.isFinite(s)).count();
        return new Row("P7 start to ready (production profile, process start → /ready 200; slowest of all starts, " + archive + ")",
                format("slowest %.1f s, p90 %.1f s, median %.1f s of %d starts", slowest, Stats.percentile(starts, 90),
                        Stats.median(starts), starts.size())
                        + (Double.isNaN(coldStart) ? "" : format("; %.1f s without the archive", coldStart)),
                "≤ 5 s, every start",
                new Missing().unless(!starts.isEmpty(), "no start measured")
                        .unless(unmeasured == 0, "%d of %d starts not measured", unmeasured, starts.size()).result(slowest <= 5));
    }

    /** D0: the email path's steady-state rate against an SMTP sink without delay (the reference for D1). */
    static Row d0(List<BundleRun.Result> d0) {
        List<Double> steady = steadyRates(d0);
        return new Row("D0 email, SMTP sink without delay, 4 partitions", format("%.0f emails/s (steady state; %.0f whole run)",
                Stats.median(steady), Stats.median(rates(d0))), "reported",
                new Missing().finite(steady, "D0 rate").allDelivered("D0", d0).result(true));
    }

    /** D1: concurrency hides a relay that answers after 50 ms: absolute, and against D0 repetition by repetition. */
    static Row d1(List<BundleRun.Result> d1, List<BundleRun.Result> d0) {
        List<Double> steady = steadyRates(d1);
        List<Double> vsD0 = ratios(steady, steadyRates(d0));
        double rate = Stats.median(steady);
        double ratio = Stats.median(vsD0);
        return new Row(d1.get(0).spec().name() + ", 4 partitions", format("%.0f emails/s, %.2f × D0 (steady state)", rate, ratio),
                "≥ 400 emails/s and ≥ 0.8 × D0",
                new Missing().finite(steady, "D1 rate").finite(vsD0, "D1 / D0").allDelivered("D1", d1).result(rate >= 400 && ratio >= 0.8));
    }

    /** D2: D1 on one partition: the stage's lanes, not the partitions, give the concurrency. */
    static Row d2(List<BundleRun.Result> d2, List<BundleRun.Result> d1) {
        List<Double> vsD1 = ratios(steadyRates(d2), steadyRates(d1));
        double ratio = Stats.median(vsD1);
        return new Row("D2 as D1 with the events and the email delivery topic at 1 partition (1 ingest consumer)",
                format("%.0f emails/s, %.2f × D1 (steady state)", Stats.median(steadyRates(d2)), ratio), "≥ 0.8 × D1",
                new Missing().finite(vsD1, "D2 / D1").allDelivered("D2", d2).result(ratio >= 0.8));
    }

    /**
     * D3: CPU per event in the window, ingest and email stage apart; the previous build's total beside this one's
     * ({@code previousMissing}: why it was not measured). The A/B is reported, not judged, but a missing one fails.
     */
    static Row d3(BundleRun.Result current, BundleRun.Result previous, String previousName, String previousMissing) {
        ThreadCpu.Window window = current.cpuWindow();
        ThreadCpu.Window before = previous == null ? null : previous.cpuWindow();
        double ingest = window == null ? Double.NaN : window.msPerEvent(window.byPart(current.eventsTopic()).get(ThreadCpu.INGEST));
        double email = window == null ? Double.NaN : window.msPerEvent(window.byPart(current.eventsTopic()).get(ThreadCpu.EMAIL));
        double total = window == null ? Double.NaN : window.msPerEvent(window.processSeconds());
        double previousTotal = before == null ? Double.NaN : before.msPerEvent(before.processSeconds());
        return new Row(format("D3 CPU per event in steady state (open loop at %.0f events/s, %.0f s window)", current.spec().rate(),
                current.spec().cpuWindow().seconds()),
                format("ingest %.3f ms, email stage %.3f ms, rest of the process %.3f ms; total %.3f ms vs %.3f ms for %s (%.2f ×)",
                        ingest, email, total - ingest - email, total, previousTotal, previousName, total / previousTotal),
                "ingest ≤ 0.5 ms, email stage ≤ 1.0 ms; A/B with the previous build",
                new Missing().unless(window != null, "this build's window not measured").finite(ingest, "no event delivered in the window")
                        .unless(previousMissing == null, "%s", previousMissing)
                        .unless(previousMissing != null || Double.isFinite(previousTotal), "previous build's window not measured")
                        .allDelivered("D3", List.of(current))
                        .result(ingest <= 0.5 && email <= 1.0));
    }

    /**
     * D4: high-priority emails while a bulk backlog drains, judged by their p99 from publish to the relay's answer.
     * Fails when none was measured, when some were not delivered (their latency is unknown, not small), and when
     * the backlog had run out before the last of them was delivered (then nothing was overtaken).
     */
    /**
     * K1 at bundle scale: the first event of a backlog published again after all the others, to the packaged
     * bundle on its production store. Dropped = it got one terminal status, and the bundle logged the repeat as a
     * duplicate (so it was read and decided, not lost). The time side of K1 (an hour later, past the window) is
     * PartitionedDedupeStoreTest's, with a clock it moves.
     */
    static Row k1(BundleRun.Result k1, BundleRun.Repeat repeat) {
        int others = k1.spec().events() - 2;
        return new Row(format("K1 an event again after %,d others, packaged bundle, %s", others, k1.spec().store()),
                repeat == null ? "—" : format("%d terminal status(es) for it; logged as a duplicate: %s; %,d events at %.0f events/s (whole run)",
                        repeat.firstEventStatuses(), repeat.loggedAsDuplicate() ? "yes" : "no", k1.delivered() + k1.otherTerminal(),
                        k1.eventsPerSecond()),
                "dropped (one status, the repeat logged as a duplicate)",
                new Missing().unless(repeat != null, "the repeat was not followed").allDelivered("K1", List.of(k1))
                        .unless(repeat == null || repeat.loggedAsDuplicate() || repeat.firstEventStatuses() > 1,
                                "the repeat was neither dropped as a duplicate nor delivered")
                        .result(repeat != null && repeat.firstEventStatuses() == 1 && repeat.loggedAsDuplicate()));
    }

    /**
     * L1: one cluster-wide limit with 1, 2 and 3 replicas. Each replica count's steady rate within 0.9–1.0 × the
     * limit (plus the one period's permits a span's edge can hold: 1 s of the limit over the span), and no 10-second
     * window of the run, the rebalance included, above 1.05 ×. A replica count not measured fails.
     */
    static Row l1(List<RateLimitRun.Result> results) {
        Missing missing = new Missing();
        boolean met = true;
        StringBuilder figure = new StringBuilder();
        for (int replicas = 1; replicas <= 3; replicas++) {
            int r = replicas;
            RateLimitRun.Result result = results.stream().filter(x -> x.replicas() == r).findFirst().orElse(null);
            missing.unless(result != null, "%d replica(s) not measured", r);
            if (result == null) {
                continue;
            }
            missing.finite(result.steadyRatio(), "%d replica(s): no steady rate", r).finite(result.max10sRatio(), "%d replica(s): no 10-s window", r);
            double edge = 1.0 / result.steadySeconds();
            met &= result.steadyRatio() >= 0.9 && result.steadyRatio() <= 1.0 + edge && result.max10sRatio() <= 1.05;
            figure.append(format("%s%d: %.3f ×, max 10 s %.3f ×", figure.length() == 0 ? "" : "; ", r, result.steadyRatio(),
                    result.max10sRatio()));
        }
        double limit = results.isEmpty() ? Double.NaN : results.get(0).limit();
        return new Row(format("L1 a cluster-wide %.0f/s email limit, 1, 2 and 3 replicas", limit),
                figure.length() == 0 ? "—" : figure.toString(), "0.9–1.0 × steady, every 10-s window ≤ 1.05 ×, rebalance included",
                missing.result(met));
    }

    /** L2: Pardot's cap and daily quota never exceeded by the replicas together; the quota used, not starved. */
    static Row l2(RateLimitRun.PardotResult r) {
        return new Row(format("L2 Pardot across %d replicas: %d concurrent, daily quota %d", r.replicas(), r.maxConcurrent(), r.dailyLimit()),
                format("%d upserts, at most %d in flight, %d deferred of %,d events", r.upserts(), r.maxInFlight(), r.deferred(), r.events()),
                "never more than the cap in flight; upserts ≤ the quota (and ≥ 0.9 × it: shares not starved)",
                new Missing().unless(r.upserts() > 0, "no upsert answered").unless(r.upserts() + r.deferred() >= r.events(),
                        "%d of %d events without an outcome", r.events() - r.upserts() - r.deferred(), r.events())
                        .result(r.maxInFlight() <= r.maxConcurrent() && r.upserts() <= r.dailyLimit() && r.upserts() >= 0.9 * r.dailyLimit()));
    }

    static Row d4(BundleRun.PriorityResult d4) {
        List<Double> latencies = d4.latenciesMs();
        double p50 = Stats.percentile(latencies, 50);
        double p99 = Stats.percentile(latencies, 99);
        double max = latencies.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        double pending = d4.bulkPendingAtLast();
        return new Row(format("D4 high priority at %.0f/s for %.0f s behind %,d queued bulk emails, 50 ms relay", d4.rate(), d4.seconds(),
                        d4.bulk()),
                format("%d of %d delivered: p50 %s ms, p99 %s ms, max %s ms; %s bulk emails still pending at the last (bulk %.0f emails/s meanwhile)",
                        d4.urgentDelivered(), d4.urgentPublished(), ms(p50), ms(p99), ms(max),
                        Double.isNaN(pending) ? "—" : format("%,.0f", pending), d4.bulkPerSecond()),
                "p99 ≤ 2 s while the backlog drains",
                new Missing().unless(d4.urgentDelivered() > 0, "no high-priority email delivered")
                        .unless(d4.urgentDelivered() == 0 || d4.urgentDelivered() == d4.urgentPublished(),
                                "%d of %d high-priority emails not delivered within %.0f s of the last publish",
                                d4.urgentPublished() - d4.urgentDelivered(), d4.urgentPublished(), d4.waitedSeconds())
                        .finite(p99, "p99 not measured")
                        .unless(Double.isNaN(pending) || pending > 0, "the backlog drained before the last high-priority email was delivered")
                        .result(p99 <= 2_000));
    }

    /** One ratio per repetition (A and B ran back to back on the same machine state); NaN where either is missing. */
    static List<Double> ratios(List<Double> a, List<Double> b) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            ratios.add(i < a.size() && i < b.size() ? a.get(i) / b.get(i) : Double.NaN);
        }
        return ratios;
    }

    static List<Double> rates(List<BundleRun.Result> results) {
        return results.stream().map(BundleRun.Result::eventsPerSecond).toList();
    }

    static List<Double> steadyRates(List<BundleRun.Result> results) {
        return results.stream().map(BundleRun.Result::steadyEventsPerSecond).toList();
    }

    static String ms(double value) {
        return Double.isNaN(value) ? "—" : value >= 10_000 ? String.format(Locale.ROOT, "%,.0f", value) : format("%.0f", value);
    }

    private static String format(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    /** The figures a verdict rests on that were not measured, each with the reason; any one fails the verdict. */
    private static final class Missing {
        private final List<String> reasons = new ArrayList<>();

        Missing unless(boolean measured, String reason, Object... args) {
            if (!measured) {
                reasons.add(format(reason, args));
            }
            return this;
        }

        Missing finite(double figure, String reason, Object... args) {
            return unless(Double.isFinite(figure), reason, args);
        }

        /** One figure per repetition: the median of them would hide a missing one. */
        Missing finite(List<Double> figures, String what) {
            long unmeasured = figures.stream().filter(f -> !Double.isFinite(f)).count();
            return unless(!figures.isEmpty() && unmeasured == 0, "%s not measurable in %d of %d repetitions", what,
                    figures.isEmpty() ? 1 : unmeasured, Math.max(1, figures.size()));
        }

        /** Rates and latencies count delivered events; the others' figures are missing from them. */
        Missing allDelivered(String workload, List<BundleRun.Result> results) {
            int other = results.stream().mapToInt(BundleRun.Result::otherTerminal).sum();
            return unless(other == 0, "%s: %d events not delivered", workload, other);
        }

        String result(boolean goalMet) {
            return !reasons.isEmpty() ? "FAIL (" + String.join("; ", reasons) + ")" : goalMet ? "PASS" : "FAIL";
        }
    }
}
