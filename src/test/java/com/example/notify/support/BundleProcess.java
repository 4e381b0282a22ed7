package com.example.notify.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged bundle ({@code target/notification-routes.jar} + {@code target/lib}, built by {@code mvn package})
 * as its own OS process, configured by system properties, with its log in a file: what the fault suite kills
 * and the benchmarks measure. Reads the process's peak RSS and CPU time from {@code /proc}.
 */
public final class BundleProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    public final Process process;
    public final int managementPort;

    private BundleProcess(Process process, int managementPort) {
        this.process = process;
        this.managementPort = managementPort;
    }

    /** Starts the bundle with {@code properties} as -D options; the log is appended to {@code log}. */
    public static BundleProcess start(Map<String, String> properties, Path log, String... jvmOptions) throws IOException {
        return start(properties, log, Path.of("."), jvmOptions);
    }

    /**
     * The same, with {@code workingDir} as its working directory: routes/, templates/ and application.properties
     * are read from there (a copy an integrator changed, say); the jar and its libraries stay this build's.
     */
    public static BundleProcess start(Map<String, String> properties, Path log, Path workingDir, String... jvmOptions)
            throws IOException {
        return start(properties, log, workingDir, Path.of("target", "notification-routes.jar"), jvmOptions);
    }

    /** The same with another build's {@code jar} (its {@code lib/} beside it): the benchmark's A/B against an earlier commit. */
    public static BundleProcess start(Map<String, String> properties, Path log, Path workingDir, Path jar, String... jvmOptions)
            throws IOException {
        int management = FreePort.next();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.add("-Dcamel.management.port=" + management);
        command.add("-Dcamel.server.port=" + FreePort.next());
        command.add("-Dnotify.admin.port=" + FreePort.next());
        command.add("-Dnotify.kafka.allow-plaintext=true"); // the test broker speaks PLAINTEXT
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        // as the image starts it (k8s/Dockerfile): the jar's manifest names lib/*; a class-data archive made by
        // bin/cds-archive matches only this form
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process process = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new BundleProcess(process, management);
    }

    /** Waits until {@code /observe/health/ready} answers 200; false when the timeout passed or the process died. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        URI ready = URI.create("http://127.0.0.1:" + managementPort + "/observe/health/ready");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** Peak resident set size in MB (VmHWM), or -1 where /proc is not readable. */
    public double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** User + system CPU seconds so far (clock ticks of 1/100 s, Linux' usual USER_HZ), or -1. */
    public double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** SIGTERM, then SIGKILL if it has not stopped within {@code grace}; true when it stopped by itself. */
    public boolean stop(Duration grace) throws InterruptedException {
        process.destroy();
        boolean stopped = process.waitFor(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        if (!stopped) {
            kill();
        }
        return stopped;
    }

    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }
}
