package com.example.notify.k8s;

import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.example.notify.support.EventSamples;
import com.example.notify.support.FreePort;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The packaged app (target/, as the image holds it) started the way the dev overlay's Deployment starts it:
 * the jar under app/, the configuration where k8s/Dockerfile copies it (config/), ConfigMaps written into their mount paths in kubelet's layout (files are symlinks through
 * {@code ..data}), working directory and env from the Deployment, everything read-only, run as the Deployment's
 * non-root uid. Only what a cluster would supply differs: Kafka's and the SMTP relay's addresses (the test's own
 * broker and GreenMail) and the two HTTP ports (free ones). It must answer ready, deliver an email rendered
 * from the mounted templates, and stop on SIGTERM within the grace period.
 */
class PackagedLayoutIT {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void packagedAppStartsFromTheDeploymentLayoutReadOnlyAsNonRootAndDelivers() throws Exception {
        assumeTrue(Manifests.kubectlPresent(), "kubectl not installed");
        Path jar = Path.of("target/notification-routes.jar");
        assertThat(jar).as("mvn package ran before the integration tests").exists();
        Properties app = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            app.load(in);
        }
        Manifests dev = Manifests.render("dev");
        JsonNode pod = dev.one("Deployment").path("spec").path("template").path("spec");
        JsonNode container = dev.container();

        Path root = Files.createTempDirectory("k8s-layout");
        Path appDir = Files.createDirectories(root.resolve("app"));
        Files.copy(jar, appDir.resolve("notification-routes.jar"));
        Files.createDirectories(appDir.resolve("lib"));
        try (Stream<Path> libs = Files.list(Path.of("target/lib"))) {
            for (Path lib : libs.toList()) {
                Files.copy(lib, appDir.resolve("lib").resolve(lib.getFileName()));
            }
        }
        // what the image build does next (k8s/Dockerfile): the class-data archive for the jar at its image path
        Process cds = new ProcessBuilder("bin/cds-archive", appDir.resolve("notification-routes.jar").toString(),
                appDir.resolve("notification-routes.jsa").toString(), ".").redirectErrorStream(true)
                .redirectOutput(root.resolve("cds-archive.log").toFile()).start();
        assertThat(cds.waitFor()).as(() -> "bin/cds-archive:\n" + tail(root.resolve("cds-archive.log"))).isZero();
        // what the image holds besides the code (k8s/Dockerfile's COPY ... /config/...): routes, templates, properties
        for (Map.Entry<String, String> copy : Manifests.imageConfigFiles().entrySet()) {
            copyTree(Path.of(copy.getValue()), root.resolve(copy.getKey().substring(1)));
        }
        Map<String, JsonNode> configMaps = dev.configMaps();
        Map<String, String> mountOfVolume = new HashMap<>();
        container.path("volumeMounts").forEach(v -> mountOfVolume.put(v.path("name").asText(), v.path("mountPath").asText()));
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.has("configMap")) {
                String cm = volume.path("configMap").path("name").asText().replaceAll("-[a-z0-9]{10}$", "");
                writeAsKubelet(root.resolve(mountOfVolume.get(volume.path("name").asText()).substring(1)), configMaps.get(cm));
            }
        }
        Path workDir = root.resolve(container.path("workingDir").asText().substring(1));
        readOnlyForAll(root);

        String events = app.getProperty("notify.kafka.topic.events");
        String status = app.getProperty("notify.kafka.topic.status");
        TestKafka.createTopics(List.of(events, status, app.getProperty("notify.kafka.topic.dlq"),
                app.getProperty("notify.kafka.topic.pardot-deferred")), Set.of());
        TestKafka.createTopics(List.of(app.getProperty("notify.kafka.topic.idempotency"),
                app.getProperty("notify.kafka.topic.suppressions")), Set.of(app.getProperty("notify.kafka.topic.idempotency"),
                app.getProperty("notify.kafka.topic.suppressions")));

        int port = FreePort.next();
        int httpPort = FreePort.next();
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            JsonNode security = pod.path("securityContext");
            command.addAll(List.of("setpriv", "--reuid=" + security.path("runAsUser").asInt(),
                    "--regid=" + security.path("runAsGroup").asInt(), "--clear-groups"));
        }
        // the image's ENTRYPOINT, with /app where this test put it; -Xshare:on: the JVM refuses to start unless it
        // can use the class-data archive (the image's JVM would only warn and start slower)
        List<String> entrypoint = entrypoint();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xshare:on");
        entrypoint.subList(1, entrypoint.size()).forEach(arg -> command.add(arg.replace("/app/", root.resolve("app") + "/")));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
        Map<String, String> env = builder.environment();
        String path = env.get("PATH");
        env.clear();
        env.put("PATH", path);
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        // what the cluster supplies: Kafka's and the relay's addresses, the relay's credentials (the Secret)
        env.put("NOTIFY_KAFKA_BROKERS", TestKafka.bootstrapServers());
        env.put("NOTIFY_MANAGEMENT_PORT", String.valueOf(port));
        env.put("NOTIFY_HTTP_PORT", String.valueOf(httpPort));
        env.put("NOTIFY_ADMIN_PORT", String.valueOf(com.example.notify.support.FreePort.next()));
        env.put("NOTIFY_SMTP_HOST", "127.0.0.1");
        env.put("NOTIFY_SMTP_PORT", String.valueOf(TestSmtp.smtpPort()));
        env.put("NOTIFY_SMTP_USERNAME", TestSmtp.USER);
        env.put("NOTIFY_SMTP_PASSWORD", TestSmtp.PASSWORD);
        env.put("NOTIFY_SMTP_STARTTLS", "false");
        env.put("NOTIFY_SMTP_STARTTLS_REQUIRED", "false");
        // the dedupe store's emptyDir (mounted there in the Deployment): a directory the pod's user can write
        if (env.containsKey("NOTIFY_IDEMPOTENCY_DIR")) {
            Path dedupe = Files.createTempDirectory("k8s-dedupe");
            Files.setPosixFilePermissions(dedupe, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            env.put("NOTIFY_IDEMPOTENCY_DIR", dedupe.toString());
        }
        Path log = Files.createTempFile("k8s-layout", ".log");
        Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String ready = "http://127.0.0.1:" + port + "/observe/health/ready";
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .until(() -> {
                        assertThat(process.isAlive()).as(() -> "app exited:\n" + tail(log)).isTrue();
                        return get(ready).startsWith("200");
                    });
            assertThat(get(ready)).contains("\"name\":\"events-consumer\",\"status\":\"UP\"");

            String id = UUID.randomUUID().toString();
            TestKafka.publish(events, id, EventSamples.event(id, "/k8s-layout", "email"));
            JsonNode outcome = statusData(TestKafka.read(status, r -> isStatusFor(r, id)
                    && Set.of("delivered", "dead-lettered", "skipped").contains(statusData(r).path("status").asText()),
                    1, Duration.ofSeconds(60), Duration.ZERO).get(0));
            assertThat(outcome.path("status").asText()).as(() -> outcome + "\n" + tail(log)).isEqualTo("delivered");
            MimeMessage mail = Stream.of(TestSmtp.server().getReceivedMessages()).filter(m -> {
                try {
                    return m.getRecipients(Message.RecipientType.TO)[0].toString().contains("jane.doe@example.com");
                } catch (Exception e) {
                    return false;
                }
            }).findFirst().orElseThrow();
            String subjectTemplate = Files.readString(workDir.resolve("templates/invoice-due/subject_de.ftl"));
            assertThat(mail.getSubject()).as("rendered from the image's templates/invoice-due/subject_de.ftl")
                    .startsWith(subjectTemplate.split("\\$\\{", 2)[0]).contains("12.00");

            int grace = pod.path("terminationGracePeriodSeconds").asInt();
            process.destroy();
            assertThat(process.waitFor(grace, TimeUnit.SECONDS)).as("stopped within terminationGracePeriodSeconds").isTrue();
            assertThat(Files.readString(log)).contains("notification-routes) shutdown")
                    .doesNotContain("jane.doe@example.com").doesNotContain(TestSmtp.PASSWORD)
                    .doesNotContainIgnoringCase("read-only file system").doesNotContain("AccessDeniedException");
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * The image's library set (what k8s/Dockerfile copies: target/lib and the jar) holds no dev-only code or library:
     * no embedded broker (kafka_2.13, kafka-server, its metadata/raft/storage parts), no ZooKeeper, no jose4j, no
     * GreenMail, no Scala; the jar holds none of src/dev/java's classes; the Dockerfile copies nothing else into
     * /app. The dev profile's libraries are in target/lib-dev.
     */
    @Test
    void imageLibrariesHoldNoBrokerZooKeeperJose4jOrGreenMail() throws Exception {
        Path lib = Path.of("target/lib");
        assertThat(lib).as("mvn package ran before the integration tests").isDirectory();
        List<String> jars;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        java.util.regex.Pattern devOnly = java.util.regex.Pattern.compile(
                "(kafka_2\\.13|kafka-server|kafka-server-common|kafka-metadata|kafka-raft|kafka-storage|kafka-group-coordinator"
                + "|kafka-transaction-coordinator|zookeeper|jose4j|greenmail|scala-library)[-_0-9.].*\\.jar");
        assertThat(jars).as("target/lib, the image's /app/lib").isNotEmpty()
                .noneMatch(name -> devOnly.matcher(name).matches())
                .anyMatch(name -> name.startsWith("kafka-clients-")); // the bundle's own Kafka client stays
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile("target/notification-routes.jar")) {
            assertThat(jar.stream().map(java.util.jar.JarEntry::getName).toList())
                    .contains("com/example/notify/DevServices.class")
                    .noneMatch(name -> name.matches("com/example/notify/.*/Embedded.*\\.class"));
        }
        try (Stream<Path> files = Files.list(Path.of("target/lib-dev"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).as("target/lib-dev, the dev profile's")
                    .anyMatch(name -> name.startsWith("kafka_2.13-")).anyMatch(name -> name.startsWith("greenmail-"))
                    .contains("notification-routes-dev.jar");
        }
        assertThat(Files.readAllLines(Path.of("k8s/Dockerfile")).stream().filter(l -> l.startsWith("COPY") && l.contains("/app/")))
                .as("what the Dockerfile puts into /app").allMatch(l -> l.contains("target/lib/ /app/lib/")
                        || l.contains("target/notification-routes.jar ") || l.contains("bin/cds-archive "));
    }

    /**
     * The image asked for a dev-profile service (here the embedded broker, as a stray CAMEL_MAIN_PROFILE=dev or
     * -Dnotify.kafka.embedded.enabled=true would): the start fails at once with a message that says what is
     * missing and why, not a NoClassDefFoundError.
     */
    @Test
    void imageRefusesTheDevProfilesServicesWithAClearMessage() throws Exception {
        Path root = Files.createTempDirectory("image-no-dev");
        Path appDir = Files.createDirectories(root.resolve("app"));
        Files.copy(Path.of("target/notification-routes.jar"), appDir.resolve("notification-routes.jar"));
        Files.createSymbolicLink(appDir.resolve("lib"), Path.of("target/lib").toAbsolutePath());
        Path config = Files.createDirectories(root.resolve("config"));
        Files.copy(Path.of("application.properties"), config.resolve("application.properties"));
        Path log = root.resolve("bundle.log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dnotify.kafka.embedded.enabled=true", "-Dnotify.kafka.allow-plaintext=true", "-Dcamel.management.port=" + FreePort.next(),
                "-Dcamel.server.port=" + FreePort.next(), "-Dnotify.admin.port=" + FreePort.next(),
                "-jar", appDir.resolve("notification-routes.jar").toString())
                .directory(config.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("NOTIFY_DEV_LIB_DIR");
        Process process = builder.start();
        try {
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).as(() -> "stopped by itself:\n" + tail(log)).isTrue();
            assertThat(process.exitValue()).isNotZero();
            assertThat(Files.readString(log)).contains("notify.kafka.embedded.enabled=true asks for the embedded Kafka broker")
                    .contains("not part of the production artifact").doesNotContain("NoClassDefFoundError");
        } finally {
            process.destroyForcibly();
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target);
                }
            }
        }
    }

    /** kubelet's atomic writer: files in a timestamped folder, {@code ..data} links to it, each key links through it. */
    private static void writeAsKubelet(Path mount, JsonNode configMap) throws Exception {
        Path stamped = Files.createDirectories(mount.resolve("..2026_11_24_10_00_00.000000001"));
        Files.createSymbolicLink(mount.resolve("..data"), stamped.getFileName());
        var fields = configMap.path("data").fields();
        while (fields.hasNext()) {
            var entry = fields.next();
            Files.writeString(stamped.resolve(entry.getKey()), entry.getValue().asText());
            Files.createSymbolicLink(mount.resolve(entry.getKey()), Path.of("..data", entry.getKey()));
        }
    }

    private static void readOnlyForAll(Path root) throws Exception {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "r-xr-xr-x" : "r--r--r--"));
            }
        }
    }

    /** The exec-form ENTRYPOINT of k8s/Dockerfile. */
    private static List<String> entrypoint() throws Exception {
        String line = Files.readAllLines(Path.of("k8s/Dockerfile")).stream().filter(l -> l.startsWith("ENTRYPOINT ["))
                .findFirst().orElseThrow();
        List<String> args = new ArrayList<>();
        new ObjectMapper().readTree(line.substring("ENTRYPOINT ".length())).forEach(a -> args.add(a.asText()));
        assertThat(args).first().isEqualTo("java");
        return args;
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
