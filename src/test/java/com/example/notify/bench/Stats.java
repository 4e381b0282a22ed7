package com.example.notify.bench;

import java.util.List;

/** Medians, percentiles and rates of the harness' samples. */
final class Stats {

    private Stats() {
    }

    static double median(List<Double> values) {
        return percentile(values, 50);
    }

    /** Nearest-rank percentile; NaN for no samples. */
    static double percentile(List<Double> values, double percent) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(percent / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /**
     * Events per second between the first and the last of {@code timesMicros} (in time order) once the first
     * {@code skipFraction} of them are left out; NaN when fewer than 2 remain or no time passed between them
     * (never 0 or infinite: a baseline of 0 would make any ratio to it pass).
     */
    static double rate(List<Long> timesMicros, double skipFraction) {
        long[] sorted = timesMicros.stream().mapToLong(Long::longValue).sorted().toArray();
        int from = (int) Math.floor(sorted.length * skipFraction);
        int count = sorted.length - from;
        if (count < 2 || sorted[sorted.length - 1] == sorted[from]) {
            return Double.NaN;
        }
        return (count - 1) / ((sorted[sorted.length - 1] - sorted[from]) / 1e6);
    }
}
