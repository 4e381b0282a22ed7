package com.example.notify.routes;

import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.ScriptedSmtpServer;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSpans;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A delivery that fails transiently, waits on a retry tier and is delivered on its next round stays in the
 * event's trace: the tier record carries it, and the failed and delivered statuses and both SMTP attempts'
 * spans share the producer's trace id (real broker, an SMTP server that answers 451 to the first attempts).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=traceretry.events",
            "notify.kafka.topic.status=traceretry.status",
            "notify.kafka.topic.dlq=traceretry.dlq",
            "notify.kafka.group-id=traceretry-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.pool-size=2",
            "notify.email.concurrency=2",
            "notify.smtp.per-second=1000",
            "notify.retry.channel.initial-delay-ms=100",
            "notify.retry.tiers=1s,2s",
            "notify.email.retry-horizon=30s"
        })
class TracingRetryTest {

    static final String EVENTS = "traceretry.events";
    static final String STATUS = "traceretry.status";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final ScriptedSmtpServer SMTP = ScriptedSmtpServer.plain(60_000);
    static final Map<String, Integer> attempts = new ConcurrentHashMap<>();

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(SMTP.port()));
        System.setProperty("otel.traces.exporter", "memory");
        System.setProperty("otel.bsp.schedule.delay", "50");
        try {
            Path templates = Files.createTempDirectory("traceretry-templates");
            Files.createDirectories(templates.resolve("t"));
            Files.writeString(templates.resolve("t/subject.ftl"), "${event.id}");
            Files.writeString(templates.resolve("t/text.ftl"), "t ${event.id}");
            System.setProperty("notify.email.templates-dir", templates.toString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        TestKafka.createTopics(List.of(EVENTS, STATUS, "traceretry.dlq"), Set.of());
        // the first round's three attempts (one and two redeliveries in place) are refused: the tier's round succeeds
        SMTP.reply(to -> attempts.merge(to, 1, Integer::sum) <= 3
                ? new org.subethamail.smtp.RejectException(451, "4.3.0 try again later") : null);
    }

    @AfterAll
    void stop() {
        SMTP.close();
        System.clearProperty("notify.smtp.port");
        System.clearProperty("notify.email.templates-dir");
        System.clearProperty("otel.traces.exporter");
        System.clearProperty("otel.bsp.schedule.delay");
    }

    @Test
    void aDeliveryRetriedFromATierStaysInTheEventsTrace() {
        String id = UUID.randomUUID().toString();
        String address = "retry-" + id.substring(0, 8) + "@example.com";
        String upstream = TracingTest.traceparent();
        String trace = TracingTest.traceId(upstream);
        TestKafka.publish(EVENTS, address, ("""
                {"specversion":"1.0","id":"%s","source":"/traceretry","type":"com.example.t",
                 "data":{"recipient":{"email":"%s"},"channels":["email"],"template":"t"}}
                """.formatted(id, address)).getBytes(), Map.of("traceparent", upstream));

        List<ConsumerRecord<String, byte[]>> delivered = TestKafka.read(STATUS, r -> isStatusFor(r, id)
                && "delivered".equals(statusData(r).path("status").asText()), 1, WAIT, Duration.ZERO);
        List<ConsumerRecord<String, byte[]>> failed = TestKafka.read(STATUS, r -> isStatusFor(r, id)
                && "failed".equals(statusData(r).path("status").asText()), 1, WAIT, Duration.ZERO);
        assertThat(delivered).hasSize(1);
        assertThat(failed).isNotEmpty();
        assertThat(attempts.get(address)).as("delivered on the tier's round").isEqualTo(4);
        assertThat(List.of(delivered.get(0), failed.get(0))).extracting(r -> TracingTest.traceId(header(r, "traceparent")))
                .containsOnly(trace);

        ConsumerRecord<String, byte[]> tier = TestKafka.read(EVENTS + ".retry.1s", r -> new String(r.value()).contains(id), 1,
                WAIT, Duration.ZERO).get(0);
        assertThat(TracingTest.traceId(header(tier, "traceparent"))).as("the retry tier record").isEqualTo(trace);

        Awaitility.await().atMost(WAIT).until(() -> spans(trace).stream().filter(s -> s.getName().equals("smtp")).count() >= 2);
        assertThat(spans(trace)).extracting(SpanData::getName).as("first round, the tier, the second round")
                .contains(EVENTS, EVENTS + ".retry.1s", "deliver-record", "smtp", STATUS);
        assertThat(spans(trace).stream().filter(s -> s.getName().equals("deliver-record")).count())
                .as("both rounds' deliveries in the trace").isGreaterThanOrEqualTo(4);
    }

    private static List<SpanData> spans(String trace) {
        return TestSpans.EXPORTER.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(trace)).toList();
    }
}
