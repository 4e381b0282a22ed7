package com.example.notify.routes;

import static com.example.notify.support.EventSamples.isStatusFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.example.notify.support.FreePort;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.example.notify.observe.NotifyMetrics;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What operators get, checked with the real tools: a real Prometheus (Debian's) scrapes the bundle's
 * /observe/metrics and answers PromQL with the delivery counts; promtool checks and unit-tests the alert
 * rules; the Grafana dashboard is valid JSON and queries only metrics the bundle exports; health answers.
 * .ci/run installs Prometheus and sets NOTIFY_REQUIRE_PROMETHEUS=true, so there these tests cannot skip.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=obs.events",
            "notify.kafka.topic.status=obs.status",
            "notify.kafka.topic.dlq=obs.dlq",
            "notify.kafka.group-id=obs-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=1000",
            "notify.metrics.lag-interval-seconds=1",
            "camel.management.port=19876",
            "camel.management.host=127.0.0.1"
        })
class ObservabilityTest {

    static final String METRICS = "http://127.0.0.1:19876/observe/metrics";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestKafka.createTopics(List.of("obs.events", "obs.status", "obs.dlq"), Set.of());
    }

    @BeanInject
    CamelContext context;

    Process prometheus;
    int prometheusPort;

    private static boolean toolPresent(String tool) {
        boolean present = new File("/usr/bin/" + tool).canExecute();
        if (!present && (Boolean.getBoolean("notify.require-prometheus") || "true".equals(System.getenv("NOTIFY_REQUIRE_PROMETHEUS")))) {
            throw new IllegalStateException(tool + " is required (notify.require-prometheus=true) but not installed");
        }
        return present;
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    private static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ":\n" + out).isZero();
        return out;
    }

    boolean delivered;

    @BeforeEach
    void deliverSomeEmailsOnce() {
        if (delivered) {
            return;
        }
        delivered = true;
        for (int i = 0; i < 3; i++) {
            String id = UUID.randomUUID().toString();
            TestKafka.publish("obs.events", "k" + i, """
                    {"specversion":"1.0","id":"%s","source":"/obs","type":"com.example.account.created","time":"2026-11-24T09:00:00Z",
                     "data":{"recipient":{"email":"obs%d@example.com"},"channels":["email"],"template":"welcome"}}
                    """.formatted(id, i));
            assertThat(TestKafka.read("obs.status", r -> isStatusFor(r, id), 1, WAIT, Duration.ZERO)).hasSize(1);
        }
        TestKafka.publish("obs.events", "bad", "{not json");
        // two deliveries waiting on the 1 h retry tier (due in an hour): a real backlog of the retry stage
        String due = String.valueOf(System.currentTimeMillis() + Duration.ofHours(1).toMillis());
        for (int i = 0; i < 2; i++) {
            TestKafka.publish("obs.events.retry.1h", "w" + i, "{}".getBytes(StandardCharsets.UTF_8),
                    java.util.Map.of("notify-retry-due", due, "notify-retry-target", "obs.events.deliver.email"));
        }
    }

    @AfterAll
    void stopPrometheus() {
        if (prometheus != null) {
            prometheus.destroy();
        }
    }

    @Test
    void healthIsServedAndReady() throws Exception {
        Awaitility.await().atMost(WAIT).until(() -> get("http://127.0.0.1:19876/observe/health/ready").startsWith("200"));
        assertThat(get("http://127.0.0.1:19876/observe/health/live")).startsWith("200").contains("UP");
        assertThat(get("http://127.0.0.1:19876/observe/health")).contains("\"name\":\"channels\"");
        assertThat(get("http://127.0.0.1:19876/observe/health/ready")).contains("\"name\":\"events-consumer\",\"status\":\"UP\"");
    }

    @Test
    void aFailingChannelShowsDegradedWithoutFailingReadinessOrLiveness() throws Exception {
        NotifyMetrics metrics = context.getRegistry().lookupByNameAndType("notifyMetrics", NotifyMetrics.class);
        Exchange failed = new DefaultExchange(context);
        failed.setProperty("notifyStatus", "failed");
        failed.setProperty("notifyChannel", "pardot");
        failed.setProperty("notifyStatusReason", "pardot-unavailable");
        metrics.status(failed);

        assertThat(get("http://127.0.0.1:19876/observe/health")).contains("{\"name\":\"channels\",\"status\":\"DOWN\"");
        assertThat(get("http://127.0.0.1:19876/observe/health/ready")).startsWith("200");
        assertThat(get("http://127.0.0.1:19876/observe/health/live")).startsWith("200");
    }

    @Test
    void metricsCarryBusinessCountsWithBoundedLabels() throws Exception {
        Awaitility.await().atMost(WAIT).until(() -> get(METRICS).contains("notify_dead_letters_total{channel=\"none\",reason=\"malformed-json\"} 1.0"));
        String metrics = get(METRICS);
        assertThat(metrics).contains("notify_deliveries_total{channel=\"email\",outcome=\"delivered\",provider=\"smtp\"} 3.0")
                .contains("notify_events_total{outcome=\"accepted\"} 3.0")
                .contains("notify_events_total{outcome=\"invalid\"} 1.0")
                .contains("notify_delivery_latency_seconds_bucket{channel=\"email\"")
                .containsPattern("notify_delivery_latency_seconds_bucket\\{channel=\"email\",[^}]*priority=\"normal\"")
                .contains("camel_exchanges_total{camelContext=\"notification-routes\",eventType=\"route\",kind=\"CamelRoute\",routeId=\"deliver-smtp\"}")
                .doesNotContain("@example.com");
    }

    @Test
    void consumerLagPerStageFollowsTheBroker() throws Exception {
        // every stage's group has a series; the retry group holds the two waiting deliveries of the 1 h tier, the
        // ingest and channel groups are through what was published (read from the broker every second here)
        String retry1h = "notify_consumer_lag{channel=\"none\",group=\"obs-test-retry\",stage=\"retry\",tier=\"1h\"} 2.0";
        String ingest = "notify_consumer_lag{channel=\"none\",group=\"obs-test\",stage=\"ingest\",tier=\"none\"} 0.0";
        String email = "notify_consumer_lag{channel=\"email\",group=\"obs-test-email\",stage=\"channel\",tier=\"none\"} 0.0";
        Awaitility.await().atMost(WAIT).until(() -> {
            String m = get(METRICS);
            return m.contains(retry1h) && m.contains(ingest) && m.contains(email);
        });
        String metrics = get(METRICS);
        assertThat(metrics)
                .containsPattern("notify_consumer_lag\\{channel=\"pardot\",group=\"obs-test-pardot\",stage=\"channel\",tier=\"none\"} 0\\.0")
                .containsPattern("notify_consumer_lag\\{channel=\"webhook\",group=\"obs-test-webhook\",stage=\"channel\",tier=\"none\"} 0\\.0")
                .containsPattern("notify_consumer_lag\\{channel=\"pardot\",group=\"obs-test-pardot-deferred\",stage=\"deferred\",tier=\"none\"} ")
                .containsPattern("notify_consumer_lag\\{channel=\"none\",group=\"obs-test-retry\",stage=\"retry\",tier=\"30s\"} 0\\.0")
                // the forwarder holds the 1 h tier's head, not due for an hour: nothing overdue
                .contains("notify_retry_overdue_seconds{tier=\"1h\"} 0.0")
                .doesNotContain("@example.com");
        // labels from configuration only: stage, channel, tier, group
        Matcher lag = Pattern.compile("(?m)^notify_consumer_lag\\{([^}]*)}").matcher(metrics);
        while (lag.find()) {
            assertThat(lag.group(1)).matches("channel=\"[a-z]+\",group=\"obs-test[a-z-]*\",stage=\"[a-z]+\",tier=\"[a-z0-9]+\"");
        }
    }

    @Test
    void stepTimersOnlyForTheKindOfStepConfigured() throws Exception {
        // notify.metrics.step-timers=throttle (application.properties): the dashboard's throttle-wait panel keeps
        // its series, the dozens of other steps an event passes carry no timer
        String metrics = get(METRICS);
        assertThat(metrics).containsPattern("camel_message_history_seconds_count\\{[^}]*nodeId=\"throttle-smtp\"")
                .doesNotContainPattern("camel_message_history_seconds_count\\{[^}]*nodeId=\"(validate-event|send-smtp|compose-email)\"");
    }

    @Test
    void alertRulesPassPromtool() throws Exception {
        assumeTrue(toolPresent("promtool"), "promtool not installed (Debian package prometheus)");
        Path dir = ruleFile().getParent();
        Files.copy(Path.of("monitoring/alerts.test.yml"), dir.resolve("alerts.test.yml"));
        assertThat(run(dir, "promtool", "check", "rules", "alerts.rules.yml")).contains("SUCCESS: 14 rules found");
        assertThat(run(dir, "promtool", "test", "rules", "alerts.test.yml")).contains("SUCCESS");
    }

    /** The rule file a plain Prometheus gets from the PrometheusRule in monitoring/alerts.yml, made as users make it. */
    private static Path ruleFile() throws Exception {
        Path dir = Files.createTempDirectory("rules");
        Path rules = dir.resolve("alerts.rules.yml");
        Files.writeString(rules, run(Path.of(".").toAbsolutePath(), "bin/alert-rules"));
        return rules;
    }

    @Test
    void realPrometheusScrapesTheBundleAndPromQlReturnsTheDeliveries() throws Exception {
        assumeTrue(toolPresent("prometheus"), "prometheus not installed (Debian package prometheus)");
        Path dir = Files.createTempDirectory("prometheus");
        prometheusPort = FreePort.next();
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: ['%s']
                scrape_configs:
                  - job_name: notification-routes
                    metrics_path: /observe/metrics
                    static_configs: [{targets: ['127.0.0.1:19876']}]
                """.formatted(ruleFile()));
        prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        String api = "http://127.0.0.1:" + prometheusPort;
        Awaitility.await().atMost(WAIT).ignoreExceptions().until(() -> get(api + "/-/ready").startsWith("200"));

        String query = "sum(notify_deliveries_total{channel=\"email\",outcome=\"delivered\"})";
        Awaitility.await().atMost(WAIT).ignoreExceptions().until(() -> {
            JsonNode result = JSON.readTree(get(api + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8))
                    .substring(4)).path("data").path("result");
            return result.size() == 1 && result.get(0).path("value").get(1).asText().equals("3");
        });
        // the retry stage's real backlog, as PromQL sees it (the dashboard's and the alerts' aggregation)
        String waiting = "max by (tier) (notify_consumer_lag{stage=\"retry\",tier=\"1h\"})";
        Awaitility.await().atMost(WAIT).ignoreExceptions().until(() -> {
            JsonNode result = JSON.readTree(get(api + "/api/v1/query?query=" + URLEncoder.encode(waiting, StandardCharsets.UTF_8))
                    .substring(4)).path("data").path("result");
            return result.size() == 1 && result.get(0).path("value").get(1).asText().equals("2");
        });
        JsonNode rules = JSON.readTree(get(api + "/api/v1/rules").substring(4)).path("data").path("groups");
        assertThat(rules.findValuesAsText("name")).contains("NotifyDeadLettersRising", "NotifyDeliveryFailureRatio",
                "NotifyConsumerLag", "NotifyChannelLag", "NotifyRetryTierOverdue", "NotifyChannelPaused");
        JsonNode up = JSON.readTree(get(api + "/api/v1/query?query=up").substring(4)).path("data").path("result");
        assertThat(up.get(0).path("value").get(1).asText()).isEqualTo("1");
    }

    @Test
    void dashboardIsValidAndQueriesOnlyExportedMetrics() throws Exception {
        JsonNode dashboard = JSON.readTree(Path.of("monitoring/grafana-dashboard.json").toFile());
        assertThat(dashboard.path("panels").size()).isGreaterThan(5);
        List<String> exprs = new ArrayList<>(dashboard.findValuesAsText("expr"));
        assertThat(exprs).isNotEmpty();
        // ours and Camel's (consumer lag is ours too: notify_consumer_lag)
        Pattern metricName = Pattern.compile("\\b((?:notify|camel)_[a-z0-9_]+)");
        Set<String> queried = new TreeSet<>();
        for (String expr : exprs) {
            Matcher m = metricName.matcher(expr);
            while (m.find()) {
                queried.add(m.group(1));
            }
        }
        Awaitility.await().atMost(WAIT).until(() -> get(METRICS).contains("notify_pardot_quota_used"));
        String metrics = get(METRICS);
        assertThat(queried).isNotEmpty().allSatisfy(name -> assertThat(metrics).as(name).containsPattern("(?m)^" + name + "[{ ]"));
    }
}
