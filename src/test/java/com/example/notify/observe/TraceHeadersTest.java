package com.example.notify.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The small pieces of tracing: header text, CloudEvents trace context on Kafka, lanes, masking of spans. */
class TraceHeadersTest {

    static final String TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void onlyTraceHeadersBecomeText() {
        TraceHeaders headers = new TraceHeaders();
        assertThat(headers.deserialize("traceparent", TP.getBytes())).isEqualTo(TP);
        assertThat(headers.deserialize("tracestate", "a=b".getBytes())).isEqualTo("a=b");
        assertThat(headers.deserialize("ce_id", "x".getBytes())).isInstanceOf(byte[].class);
    }

    @Test
    void validTraceparentsOnly() {
        assertThat(TraceHeaders.valid(TP)).isTrue();
        assertThat(TraceHeaders.valid("00-abc")).isFalse();
        assertThat(TraceHeaders.valid("00-00000000000000000000000000000000-b7ad6b7169203331-01")).isFalse();
        assertThat(TraceHeaders.valid("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")).isFalse();
        assertThat(TraceHeaders.valid("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).isFalse();
        assertThat(TraceHeaders.valid("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")).isFalse();
        assertThat(TraceHeaders.valid(null)).isFalse();
    }

    @Test
    void binaryModeExtensionBecomesTheTraceparentHeader() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_traceparent", TP.getBytes());
        headers.add("ce_tracestate", "v=1".getBytes());
        CloudEventsTraceInterceptor.adopt(headers, "{}".getBytes());
        assertThat(new String(headers.lastHeader("traceparent").value())).isEqualTo(TP);
        assertThat(new String(headers.lastHeader("tracestate").value())).isEqualTo("v=1");
    }

    @Test
    void structuredModeAttributeBecomesTheTraceparentHeaderButNotOneInTheData() {
        RecordHeaders headers = new RecordHeaders();
        CloudEventsTraceInterceptor.adopt(headers, ("{\"id\":\"1\",\"data\":{\"traceparent\":\"x\"},\"traceparent\":\"" + TP
                + "\",\"tracestate\":\"k=v\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(new String(headers.lastHeader("traceparent").value())).isEqualTo(TP);
        assertThat(new String(headers.lastHeader("tracestate").value())).isEqualTo("k=v");

        RecordHeaders nested = new RecordHeaders();
        CloudEventsTraceInterceptor.adopt(nested, ("{\"data\":{\"traceparent\":\"" + TP + "\"}}").getBytes());
        assertThat(nested.lastHeader("traceparent")).as("only the envelope's attribute counts").isNull();
    }

    @Test
    void aTraceparentHeaderWinsAndMalformedOrNonJsonAddNothing() {
        RecordHeaders present = new RecordHeaders();
        String other = "00-11111111111111111111111111111111-2222222222222222-01";
        present.add("traceparent", other.getBytes());
        present.add("ce_traceparent", TP.getBytes());
        CloudEventsTraceInterceptor.adopt(present, ("{\"traceparent\":\"" + TP + "\"}").getBytes());
        assertThat(present.headers("traceparent")).hasSize(1);
        assertThat(new String(present.lastHeader("traceparent").value())).isEqualTo(other);

        RecordHeaders malformed = new RecordHeaders();
        malformed.add("ce_traceparent", "jane@example.com".getBytes());
        CloudEventsTraceInterceptor.adopt(malformed, null);
        assertThat(malformed.lastHeader("traceparent")).isNull();

        RecordHeaders notJson = new RecordHeaders();
        CloudEventsTraceInterceptor.adopt(notJson, "not json \"traceparent\"".getBytes());
        assertThat(notJson.lastHeader("traceparent")).isNull();
    }

    @Test
    void aLaneRecordWithATraceparentLeavesTheBatchSpanOneWithoutKeepsIt() {
        TraceHeaders traces = new TraceHeaders();
        Exchange withTrace = new DefaultExchange(new DefaultCamelContext());
        withTrace.setProperty(TraceHeaders.CAMEL_ACTIVE_SPAN, "the batch's span");
        withTrace.getMessage().setHeader("traceparent", TP.getBytes());
        traces.continueRecordTrace(withTrace);
        assertThat(withTrace.getProperty(TraceHeaders.CAMEL_ACTIVE_SPAN)).isNull();
        assertThat(withTrace.getMessage().getHeader("traceparent")).isEqualTo(TP);

        Exchange without = new DefaultExchange(new DefaultCamelContext());
        without.setProperty(TraceHeaders.CAMEL_ACTIVE_SPAN, "the batch's span");
        without.getMessage().setHeader("traceparent", "garbage");
        traces.continueRecordTrace(without);
        assertThat(without.getProperty(TraceHeaders.CAMEL_ACTIVE_SPAN)).isEqualTo("the batch's span");
    }

    @Test
    void exportedSpansLoseRecipientsLoginsUrlPathsAndSecrets() {
        InMemorySpanExporter memory = InMemorySpanExporter.create();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(new MaskingSpanExporter(memory))).build();
        Span span = provider.get("test").spanBuilder("smtp").startSpan();
        span.setAttribute("camel.uri", "smtp://notify@127.0.0.1:3025?password=xxxxxx&javaMailSender=%23smtpSender");
        span.setAttribute("http.url", "https://hooks.slack.com/services/T000/B000/XXXXSECRET");
        span.setAttribute("server.address", "https://user:pw@hooks.slack.com/services/T000/B000/XXXXSECRET");
        span.setAttribute("kafka.key", "jane.doe@example.com");
        span.setAttribute("user.name", "notify");
        span.setAttribute("url.path", "hooks.slack.com/services/T000/B000/XXXXSECRET");
        span.setAttribute("messaging.destination.name", "notifications.status");
        span.setAttribute("kafka.partition", "3");
        span.setAttribute(AttributeKey.longKey("count"), 7L);
        span.addEvent("log", Attributes.of(AttributeKey.stringKey("message"),
                "Status delivered to jane.doe@example.com token=abc123 via kafka:topic?sasl=secret"));
        span.end();

        SpanData exported = memory.getFinishedSpanItems().get(0);
        Map<AttributeKey<?>, Object> attributes = exported.getAttributes().asMap();
        assertThat(attributes.keySet()).extracting(AttributeKey::getKey)
                .doesNotContain("kafka.key", "user.name", "url.path")
                .contains("messaging.destination.name", "kafka.partition", "count");
        assertThat(exported.getAttributes().get(AttributeKey.stringKey("camel.uri"))).isEqualTo("smtp://127.0.0.1:3025");
        assertThat(exported.getAttributes().get(AttributeKey.stringKey("http.url"))).isEqualTo("https://hooks.slack.com");
        assertThat(exported.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("https://hooks.slack.com");
        assertThat(exported.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo("notifications.status");
        assertThat(exported.getAttributes().get(AttributeKey.longKey("count"))).isEqualTo(7L);
        String event = exported.getEvents().get(0).getAttributes().get(AttributeKey.stringKey("message"));
        assertThat(event).isEqualTo("Status delivered to j***@example.com token=*** via kafka:topic");
        assertThat(exported.toString()).doesNotContain("jane.doe", "XXXXSECRET", "abc123", "pw@", "notify@");
        provider.close();
    }
}
