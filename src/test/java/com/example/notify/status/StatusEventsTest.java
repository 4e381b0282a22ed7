package com.example.notify.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** The status event as consumers read it: a structured-mode CloudEvent (SDK and plain JSON alike). */
class StatusEventsTest {

    private final ObjectMapper mapper = new ObjectMapper();

    private static Exchange invalidRecord() {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty("notifyStatus", "dead-lettered");
        exchange.setProperty("notifyStatusReason", "schema-violation");
        exchange.getMessage().setHeader("kafka.TOPIC", "events");
        exchange.getMessage().setHeader("kafka.PARTITION", 2);
        exchange.getMessage().setHeader("kafka.OFFSET", 41L);
        return exchange;
    }

    @Test
    void writesAStructuredCloudEventWithTheOutcomeAsData() throws Exception {
        StatusEvents statusEvents = new StatusEvents();
        statusEvents.setSource("/notify-test");
        Exchange exchange = invalidRecord();
        exchange.setProperty("notifyAttempt", 3);
        exchange.getMessage().setHeader("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        String json = statusEvents.build(exchange);

        CloudEvent event = EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE)
                .deserialize(json.getBytes(StandardCharsets.UTF_8));
        assertThat(event.getId()).isEqualTo("events/2/41:-:dead-lettered:3");
        assertThat(event.getSource()).hasToString("/notify-test");
        assertThat(event.getType()).isEqualTo("com.example.notify.status.dead-lettered");
        assertThat(event.getDataContentType()).isEqualTo("application/json");
        assertThat(event.getTime()).isBefore(OffsetDateTime.now().plusSeconds(1));
        assertThat(event.getExtension("traceparent")).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        // consumers without the SDK (bin/ tools, tests) read plain JSON: data is an object, not a string
        JsonNode plain = mapper.readTree(json);
        assertThat(plain.path("specversion").asText()).isEqualTo("1.0");
        assertThat(plain.path("data").isObject()).isTrue();
        assertThat(plain.path("data").path("status").asText()).isEqualTo("dead-lettered");
        assertThat(plain.path("data").path("reason").asText()).isEqualTo("schema-violation");
        assertThat(plain.path("data").path("topic").asText()).isEqualTo("events");
        assertThat(plain.path("data").path("partition").asInt()).isEqualTo(2);
        assertThat(plain.path("data").path("offset").asLong()).isEqualTo(41L);
        assertThat(plain.path("data").path("attempt").asInt()).isEqualTo(3);
        assertThat(OffsetDateTime.parse(plain.path("time").asText())).isNotNull();
    }

    @Test
    void leavesAnInvalidTraceparentOut() throws Exception {
        Exchange exchange = invalidRecord();
        exchange.getMessage().setHeader("traceparent", "not-a-trace");

        JsonNode plain = mapper.readTree(new StatusEvents().build(exchange));

        assertThat(plain.has("traceparent")).isFalse();
        assertThat(plain.path("source").asText()).isEqualTo("/notification-routes");
        assertThat(plain.path("id").asText()).isEqualTo("events/2/41:-:dead-lettered");
    }
}
