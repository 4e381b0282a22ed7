package com.example.notify.routes;

import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.SesEmulator;
import com.example.notify.support.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The email channel on the SES provider, end to end: Kafka in, the SES emulator (aws-ses-v2-local) out. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=ses.events",
            "notify.kafka.topic.status=ses.status",
            "notify.kafka.topic.dlq=ses.dlq",
            "notify.kafka.group-id=ses-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.email.provider=ses",
            "notify.email.from=Example Billing <billing@example.com>",
            "notify.ses.region=eu-west-1",
            "notify.ses.access-key-id=test",
            "notify.ses.secret-access-key=test"
        })
class SesRouteTest {

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.ses.endpoint-override", SesEmulator.endpoint());
        TestKafka.createTopics(List.of("ses.events", "ses.status", "ses.dlq"), Set.of());
    }

    @Test
    void eventIsSentAsRawMimeThroughSes() {
        String id = UUID.randomUUID().toString();
        TestKafka.publish("ses.events", "c-42", """
                {"specversion":"1.0","id":"%s","source":"/test","type":"com.example.invoice.due","data":{
                  "recipient":{"email":"jane.doe@example.com","name":"Jane Doe"},"channels":["email"],
                  "template":"invoice-due","locale":"de","params":{"amount":"<b>7.00</b>"}}}""".formatted(id));

        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read("ses.status", r -> isStatusFor(r, id), 1,
                Duration.ofSeconds(30), Duration.ofSeconds(1));
        assertThat(statuses).hasSize(1);
        JsonNode status = statusData(statuses.get(0));
        assertThat(status.path("status").asText()).isEqualTo("delivered");
        assertThat(status.path("provider").asText()).isEqualTo("ses");
        assertThat(status.path("providerMessageId").asText()).isNotBlank().isNotEqualTo(status.path("messageId").asText());

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> emailWithSubjectContaining("7.00") != null);
        JsonNode email = emailWithSubjectContaining("7.00");
        assertThat(email.toString()).contains("jane.doe@example.com").contains("billing@example.com");
        assertThat(email.path("subject").asText()).isEqualTo("Ihre Rechnung über <b>7.00</b> EUR ist fällig");
        assertThat(email.path("body").path("html").asText()).contains("&lt;b&gt;7.00&lt;/b&gt;");
        assertThat(email.path("body").path("text").asText()).contains("Ihre Rechnung über <b>7.00</b> EUR");
    }

    private static JsonNode emailWithSubjectContaining(String text) {
        return StreamSupport.stream(SesEmulator.store().spliterator(), false)
                .filter(e -> e.path("subject").asText().contains(text)).findFirst().orElse(null);
    }
}
