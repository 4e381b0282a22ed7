package com.example.notify.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Targets P1–P7 judged from the run's figures, one row of the targets table each. A verdict passes only when
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
