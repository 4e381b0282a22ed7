package com.example.notify.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time per thread of the bundle's process over a window (D3). Thread names and CPU come from
 * {@code jcmd <pid> Thread.print}: JDK 17 prints every thread, Java and VM alike, with its full name and
 * {@code cpu=…ms}. /proc/&lt;pid&gt;/task/&lt;tid&gt;/comm would not do: Linux cuts it to 15 characters, which is
 * "Camel (camel-1)" for every Camel thread. The process total comes from /proc/&lt;pid&gt;/stat, which also counts
 * threads that ended within the window; what the threads listed at the end do not account for is reported as such.
 */
final class ThreadCpu {

    /** {@code "name" … cpu=12.34ms … nid=0x1a2b} (JDK 17 prints nid in hex, later JDKs in decimal). */
    private static final Pattern THREAD = Pattern.compile("^\"(.*)\" .*\\bcpu=([0-9.]+)ms .*\\bnid=(0x[0-9a-fA-F]+|[0-9]+)");

    /** One reading: when (the middle of the jcmd call), the process' CPU seconds, each thread's by OS thread id. */
    record Snapshot(Instant at, double processSeconds, Map<Long, ThreadTime> threads) {
    }

    record ThreadTime(String name, double seconds) {
    }

    /**
     * CPU seconds spent between two snapshots: by the process, and per thread name (threads of the same name
     * summed), plus {@link #ENDED} for what the process spent that no thread listed at the end accounts for.
     * {@code events}: delivered statuses written within the window, set once the run is over.
     */
    record Window(Instant from, Instant to, double processSeconds, Map<String, Double> threads, int events) {

        Window withEvents(int delivered) {
            return new Window(from, to, processSeconds, threads, delivered);
        }

        double seconds() {
            return (to.toEpochMilli() - from.toEpochMilli()) / 1000.0;
        }

        /** CPU seconds per part of the bundle ({@link #part}), in the order they are listed there. */
        Map<String, Double> byPart(String eventsTopic) {
            Map<String, Double> parts = new LinkedHashMap<>();
            for (String part : PARTS) {
                parts.put(part, 0.0);
            }
            threads.forEach((name, spent) -> parts.merge(part(name, eventsTopic), spent, Double::sum));
            return parts;
        }

        /** Milliseconds of CPU per event delivered in the window; NaN without events. */
        double msPerEvent(double cpuSeconds) {
            return events > 0 ? cpuSeconds * 1000 / events : Double.NaN;
        }
    }

    static final String ENDED = "threads ended in the window, rounding";
    static final String INGEST = "ingest";
    static final String EMAIL = "email stage";
    static final List<String> PARTS = List.of(INGEST, EMAIL, "GC and VM", "JIT compiler", "Kafka producers' network threads",
            "other threads", ENDED);

    /**
     * Which part of the bundle a thread works for, by the name Camel and the JVM give it. Ingest runs on the
     * events topic's consumer threads (validate, dedupe, enrich, preferences, the delivery records' sends); the
     * email stage on its topic's consumer thread and its lanes (the {@code email-lanes} pool behind
     * {@code split-email-lanes}, named after the Split EIP: every channel's lanes are, so this holds for workloads
     * with email deliveries only, as the harness' are). The producers' network threads serve both stages
     * (delivery records, statuses, idempotency keys) and are not split between them. In a build without stages
     * the events topic's consumer threads do all of it.
     */
    static String part(String thread, String eventsTopic) {
        if (thread.endsWith("KafkaConsumer[" + eventsTopic + "]")) {
            return INGEST;
        }
        if (thread.endsWith("KafkaConsumer[" + eventsTopic + ".deliver.email]") || thread.endsWith(" - Split")) {
            return EMAIL;
        }
        if (thread.startsWith("GC Thread") || thread.startsWith("G1 ") || thread.startsWith("VM ")) {
            return "GC and VM";
        }
        if (thread.contains("CompilerThread") || thread.equals("Sweeper thread")) {
            return "JIT compiler";
        }
        if (thread.startsWith("kafka-producer-network-thread")) {
            return "Kafka producers' network threads";
        }
        return thread.equals(ENDED) ? ENDED : "other threads";
    }

    private ThreadCpu() {
    }

    static Snapshot take(long pid) throws IOException, InterruptedException {
        Instant before = Instant.now();
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), "Thread.print").redirectErrorStream(true).start();
        String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (jcmd.waitFor() != 0) {
            throw new IOException("jcmd " + pid + " Thread.print: " + dump.strip());
        }
        double process = processSeconds(pid);
        Instant after = Instant.now();
        Map<Long, ThreadTime> threads = new TreeMap<>();
        for (String line : dump.split("\n")) {
            Matcher m = THREAD.matcher(line);
            if (m.find()) {
                String nid = m.group(3);
                long tid = nid.startsWith("0x") ? Long.parseLong(nid.substring(2), 16) : Long.parseLong(nid);
                threads.put(tid, new ThreadTime(m.group(1), Double.parseDouble(m.group(2)) / 1000));
            }
        }
        if (threads.isEmpty()) {
            throw new IOException("jcmd " + pid + " Thread.print listed no thread with its CPU time");
        }
        return new Snapshot(before.plusMillis((after.toEpochMilli() - before.toEpochMilli()) / 2), process, threads);
    }

    /** A thread that started within the window counts from 0; one that ended falls into {@link #ENDED}. */
    static Window between(Snapshot from, Snapshot to) {
        Map<String, Double> threads = new TreeMap<>();
        double listed = 0;
        for (Map.Entry<Long, ThreadTime> end : to.threads().entrySet()) {
            ThreadTime start = from.threads().get(end.getKey());
            double spent = end.getValue().seconds() - (start == null ? 0 : start.seconds());
            threads.merge(end.getValue().name(), spent, Double::sum);
            listed += spent;
        }
        double process = to.processSeconds() - from.processSeconds();
        threads.put(ENDED, process - listed);
        return new Window(from.at(), to.at(), process, threads, 0);
    }

    /** User + system CPU seconds of the whole process (clock ticks of 1/100 s, Linux' usual USER_HZ). */
    private static double processSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }
}
