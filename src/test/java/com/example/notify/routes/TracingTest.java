package com.example.notify.routes;

import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.json;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import com.example.notify.support.TestSpans;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Tracing against the real broker and SMTP server, with the OpenTelemetry SDK as the bundle configures it and an
 * in-memory exporter behind the bundle's masking: an event's ingest, delivery record, channel delivery, provider
 * call and status event share one trace (the producer's, when it sent a traceparent in any of the three ways a
 * CloudEvent on Kafka can carry it; a new one otherwise), the log lines about it carry its trace id, and no
 * exported span holds the recipient, the SMTP login or its password.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=trace.events",
            "notify.kafka.topic.status=trace.status",
            "notify.kafka.topic.dlq=trace.dlq",
            "notify.kafka.group-id=trace-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.username=" + TestSmtp.USER,
            "notify.smtp.password=" + TestSmtp.PASSWORD,
            "notify.smtp.pool-size=2",
            "notify.email.concurrency=4",
            "notify.smtp.per-second=2000",
            "notify.ingest.tokens=trace-token:/trace"
        })
class TracingTest {

    static final String EVENTS = "trace.events";
    static final String DELIVER = "trace.events.deliver.email";
    static final String STATUS = "trace.status";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final StringWriter LOG = new StringWriter();
    static final int HTTP_PORT = com.example.notify.support.FreePort.next();

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        // the SDK as the bundle builds it, exporting to TestSpans' in-memory exporter (after the masking)
        System.setProperty("camel.server.port", String.valueOf(HTTP_PORT));
        System.setProperty("otel.traces.exporter", "memory");
        System.setProperty("otel.bsp.schedule.delay", "50");
        TestKafka.createTopics(List.of(EVENTS, STATUS, "trace.dlq"), Set.of());
    }

    @BeforeAll
    void captureLog() {
        LoggerContext logs = (LoggerContext) LogManager.getContext(false);
        Appender console = logs.getConfiguration().getRootLogger().getAppenders().values().iterator().next();
        WriterAppender capture = WriterAppender.newBuilder().setName("trace-capture").setTarget(LOG)
                .setLayout(console.getLayout()).build();
        capture.start();
        logs.getConfiguration().getRootLogger().addAppender(capture, null, null);
        logs.updateLoggers();
    }

    @AfterAll
    void clear() {
        System.clearProperty("otel.traces.exporter");
        System.clearProperty("otel.bsp.schedule.delay");
        System.clearProperty("notify.smtp.port");
        System.clearProperty("camel.server.port");
    }

    static String event(String id, String address, String extension) {
        return """
                {"specversion":"1.0","id":"%s","source":"/trace","type":"com.example.trace"%s,
                 "data":{"recipient":{"email":"%s","name":"Jane Trace"},"channels":["email"],"template":"invoice-due",
                         "params":{"amount":"1.00","dueDate":"2026-12-24"}}}
                """.formatted(id, extension, address);
    }

    static String traceparent() {
        String hex = UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
        return "00-" + hex.substring(0, 32) + "-" + hex.substring(32, 48) + "-01";
    }

    static String traceId(String traceparent) {
        return traceparent.substring(3, 35);
    }

    @org.apache.camel.BeanInject
    org.apache.camel.CamelContext context;

    @Test
    void kafkaHeaderTraceparentIsContinuedToTheProviderCallTheDeliveryRecordTheStatusAndTheLog() {
        String id = UUID.randomUUID().toString();
        String address = "jane.trace-" + id.substring(0, 8) + "@example.com";
        String upstream = traceparent();
        TestKafka.publish(EVENTS, address, event(id, address, "").getBytes(), Map.of("traceparent", upstream));

        ConsumerRecord<String, byte[]> status = delivered(id);
        String trace = traceId(upstream);
        assertThat(traceId(header(status, "traceparent"))).as("status record header").isEqualTo(trace);
        assertThat(traceId(json(status.value()).path("traceparent").asText())).as("status event's CloudEvents extension")
                .isEqualTo(trace);
        ConsumerRecord<String, byte[]> record = TestKafka.read(DELIVER, r -> new String(r.value()).contains(id), 1, WAIT,
                Duration.ZERO).get(0);
        assertThat(traceId(header(record, "traceparent"))).as("delivery record header").isEqualTo(trace);

        List<SpanData> spans = spansOf(trace, "smtp");
        SpanData ingest = spans.stream().filter(s -> s.getParentSpanContext().isRemote()
                && s.getParentSpanId().equals(upstream.substring(36, 52))).findFirst().orElse(null);
        assertThat(ingest).as("a span whose parent is the producer's span: %s", names(spans)).isNotNull();
        assertThat(ingest.getName()).isEqualTo(EVENTS);
        assertThat(names(spans)).as("ingest, staging, channel delivery, provider call and status in one trace")
                .contains(EVENTS, "route-by-channel", "stage-delivery", DELIVER, "deliver-record", "deliver-email",
                        "deliver-smtp", "smtp", "publish-status", STATUS);
        SpanData provider = spans.stream().filter(s -> s.getName().equals("smtp")).findFirst().orElseThrow();
        assertThat(provider.getAttributes().get(AttributeKey.stringKey("camel.uri")))
                .as("the SMTP endpoint without login, password or options").isEqualTo("smtp://127.0.0.1:" + TestSmtp.smtpPort());

        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(LOG.toString().lines()
                .filter(l -> l.contains("Status delivered event=" + id)).findFirst())
                .as("the status log line names the trace").hasValueSatisfying(l -> assertThat(l).contains("trace=" + trace)));
        assertNothingPrivateIn(spans, address);
    }

    @Test
    void binaryModeCloudEventsExtensionIsContinued() {
        String id = UUID.randomUUID().toString();
        String address = "ce.binary-" + id.substring(0, 8) + "@example.com";
        String upstream = traceparent();
        TestKafka.publish(EVENTS, address, event(id, address, "").getBytes(), Map.of("ce_traceparent", upstream));
        ConsumerRecord<String, byte[]> status = delivered(id);
        assertThat(traceId(header(status, "traceparent"))).isEqualTo(traceId(upstream));
        assertThat(spansOf(traceId(upstream), "smtp")).extracting(SpanData::getParentSpanId).contains(upstream.substring(36, 52));
    }

    @Test
    void structuredModeCloudEventsAttributeIsContinued() {
        String id = UUID.randomUUID().toString();
        String address = "ce.structured-" + id.substring(0, 8) + "@example.com";
        String upstream = traceparent();
        TestKafka.publish(EVENTS, address, event(id, address, ",\"traceparent\":\"" + upstream + "\"").getBytes(), Map.of());
        ConsumerRecord<String, byte[]> status = delivered(id);
        assertThat(traceId(header(status, "traceparent"))).isEqualTo(traceId(upstream));
        assertThat(spansOf(traceId(upstream), "smtp")).extracting(SpanData::getParentSpanId).contains(upstream.substring(36, 52));
    }

    @Test
    void httpIngestContinuesTheRequestsTraceparent() throws Exception {
        String id = UUID.randomUUID().toString();
        String address = "http.trace-" + id.substring(0, 8) + "@example.com";
        String upstream = traceparent();
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + HTTP_PORT + "/events"))
                        .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer trace-token")
                        .header("Content-Type", "application/json").header("traceparent", upstream)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(event(id, address, ""))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(202);
        ConsumerRecord<String, byte[]> status = delivered(id);
        assertThat(traceId(header(status, "traceparent"))).isEqualTo(traceId(upstream));
        assertThat(spansOf(traceId(upstream), "smtp")).extracting(SpanData::getParentSpanId).contains(upstream.substring(36, 52));
    }

    @Test
    void anEventWithoutTraceparentGetsANewTraceFromIngestThroughTheChannelToTheStatus() {
        String id = UUID.randomUUID().toString();
        String address = "no.trace-" + id.substring(0, 8) + "@example.com";
        TestKafka.publish(EVENTS, address, event(id, address, ""));
        ConsumerRecord<String, byte[]> status = delivered(id);
        String trace = traceId(header(status, "traceparent"));

        List<SpanData> spans = spansOf(trace, "smtp");
        assertThat(spans).filteredOn(s -> !s.getParentSpanContext().isValid()).extracting(SpanData::getName)
                .as("the root: the ingest consumer's span").containsExactly(EVENTS);
        assertThat(names(spans)).contains(EVENTS, "deliver-record", "smtp", "publish-status", STATUS);
        assertNothingPrivateIn(spans, address);
    }

    @Test
    void theTimersStartNoTraceAndTheExclusionIsDecidedOncePerEndpoint() throws Exception {
        // steer-channel-breakers fires every second, the metrics binder and the lag reader too: none is traced
        Thread.sleep(2_500);
        assertThat(TestSpans.EXPORTER.getFinishedSpanItems()).as("spans of timer routes")
                .noneMatch(s -> s.getAttributes().asMap().values().stream().anyMatch("camel-timer"::equals));
        org.apache.camel.spi.CamelTracingService tracer = context.hasService(org.apache.camel.spi.CamelTracingService.class);
        assertThat(tracer).isInstanceOf(com.example.notify.observe.CachedExclusionTracer.class);
        com.example.notify.observe.CachedExclusionTracer cached = (com.example.notify.observe.CachedExclusionTracer) tracer;
        assertThat(cached.exclude("timer://channel-breakers?period=1000", context)).isTrue();
        assertThat(cached.exclude("kafka:" + EVENTS, context)).isFalse();
    }

    private static ConsumerRecord<String, byte[]> delivered(String id) {
        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read(STATUS,
                r -> isStatusFor(r, id) && "delivered".equals(statusData(r).path("status").asText()), 1, WAIT, Duration.ZERO);
        assertThat(statuses).as("delivered status of %s", id).hasSize(1);
        return statuses.get(0);
    }

    /** The exported spans of a trace, once one named {@code last} and the status publish are among them. */
    private static List<SpanData> spansOf(String traceId, String last) {
        try {
            Awaitility.await().atMost(WAIT).until(() -> {
                Set<String> names = names(inTrace(traceId));
                return names.contains(last) && names.contains(STATUS);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("trace " + traceId + " lacks " + last + " or " + STATUS + "; exported: "
                    + TestSpans.EXPORTER.getFinishedSpanItems().stream()
                            .map(s -> s.getTraceId() + "/" + s.getName() + "/" + s.getParentSpanId()).toList(), e);
        }
        return inTrace(traceId);
    }

    private static List<SpanData> inTrace(String traceId) {
        return TestSpans.EXPORTER.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    private static Set<String> names(List<SpanData> spans) {
        return spans.stream().map(SpanData::getName).collect(Collectors.toSet());
    }

    private static void assertNothingPrivateIn(List<SpanData> spans, String address) {
        for (SpanData span : spans) {
            String text = span.getName() + " " + span.getAttributes() + " " + span.getEvents();
            assertThat(text).as("span %s", span.getName())
                    .doesNotContain(address, address.substring(0, address.indexOf('@')), TestSmtp.PASSWORD, "s3cret", "Jane Trace");
            assertThat(span.getAttributes().asMap().keySet()).extracting(AttributeKey::getKey)
                    .doesNotContain("kafka.key", "user.name");
        }
    }
}
