package com.example.notify.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heap after each collection, read from the bundle's unified GC log ({@code -Xlog:gc:file=…:uptime}). Whether
 * the heap stays flat is judged by the floor (the lowest heap after GC: what the collector could not free)
 * in the middle and the last third of the run after ready: the first third is warm-up (JIT, connections, the
 * bounded caches filling); a young collection's figure alone rises and falls with the old generation's
 * garbage waiting for a mixed collection.
 */
final class GcLog {

    private static final Pattern LINE = Pattern.compile("^\\[([0-9.]+)s].*?(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    /** Heap after GC in MB: the last one, the middle and last third's floors, the floor's growth in percent (NaN: too few GCs). */
    record Summary(int collections, double lastAfterMb, double middleFloorMb, double lastFloorMb, double growthPercent) {
    }

    private GcLog() {
    }

    static Summary summarize(Path log, double afterSeconds) throws IOException {
        List<double[]> points = new ArrayList<>();
        if (Files.exists(log)) {
            for (String line : Files.readAllLines(log)) {
                Matcher m = LINE.matcher(line);
                if (m.find() && Double.parseDouble(m.group(1)) >= afterSeconds) {
                    points.add(new double[] {Double.parseDouble(m.group(1)), megabytes(m.group(4), m.group(5))});
                }
            }
        }
        if (points.isEmpty()) {
            return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double last = points.get(points.size() - 1)[1];
        if (points.size() < 9) {
            return new Summary(points.size(), last, Double.NaN, Double.NaN, Double.NaN);
        }
        double start = points.get(0)[0];
        double third = (points.get(points.size() - 1)[0] - start) / 3;
        double middle = points.stream().filter(p -> p[0] >= start + third && p[0] < start + 2 * third)
                .mapToDouble(p -> p[1]).min().orElse(Double.NaN);
        double end = points.stream().filter(p -> p[0] >= start + 2 * third).mapToDouble(p -> p[1]).min().orElse(Double.NaN);
        return new Summary(points.size(), last, middle, end, 100 * (end - middle) / middle);
    }

    private static double megabytes(String value, String unit) {
        double v = Double.parseDouble(value);
        return switch (unit) {
            case "K" -> v / 1024;
            case "G" -> v * 1024;
            default -> v;
        };
    }
}
