package com.example.notify.routes;

import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.SesErrorStub;
import com.example.notify.support.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** SES error paths against an HTTP server answering in SES's XML error format. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=seserr.events",
            "notify.kafka.topic.status=seserr.status",
            "notify.kafka.topic.dlq=seserr.dlq",
            "notify.kafka.group-id=seserr-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.email.provider=ses",
            "notify.retry.max-redeliveries=2",
            "notify.retry.initial-delay-ms=50",
            "notify.retry.channel.in-place-redeliveries=2",
            "notify.retry.channel.initial-delay-ms=50",
            "notify.email.retry-horizon=0s",
            "notify.ses.access-key-id=test",
            "notify.ses.secret-access-key=test"
        })
class SesErrorRouteTest {

    static final SesErrorStub STUB = new SesErrorStub();
    static final Duration WAIT = Duration.ofSeconds(60); // an upper bound: the first test also waits for every stage's group to join

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.ses.endpoint-override", STUB.endpoint());
        TestKafka.createTopics(List.of("seserr.events", "seserr.status", "seserr.dlq"), Set.of());
    }

    private static String publish() {
        String id = UUID.randomUUID().toString();
        TestKafka.publish("seserr.events", "c-1", """
                {"specversion":"1.0","id":"%s","source":"/test","type":"t","data":{
                  "recipient":{"email":"jane.doe@example.com"},"channels":["email"],"template":"welcome"}}""".formatted(id));
        return id;
    }

    @Test
    void throttlingIsRetriedByCamelOnlyAndThenDelivered() {
        int before = STUB.requests.get();
        STUB.thenError(400, "Throttling").thenError(400, "Throttling");
        String id = publish();

        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read("seserr.status", r -> isStatusFor(r, id), 3, WAIT, Duration.ofSeconds(1));
        assertThat(statuses).extracting(r -> statusData(r).path("status").asText() + "/" + statusData(r).path("reason").asText(""))
                .containsExactly("failed/ses-throttling", "failed/ses-throttling", "delivered/");
        assertThat(statusData(statuses.get(2)).path("providerMessageId").asText()).startsWith("stub-");
        assertThat(STUB.requests.get() - before).as("2 throttled + 1 accepted, no SDK retries on top").isEqualTo(3);
    }

    @Test
    void messageRejectedIsDeadLetteredAtOnceWithTheSesCode() {
        int before = STUB.requests.get();
        STUB.thenError(400, "MessageRejected");
        String id = publish();

        List<ConsumerRecord<String, byte[]>> dead = TestKafka.read("seserr.dlq", r -> id.equals(header(r, "notify-dlq-event-id")), 1, WAIT, Duration.ofSeconds(1));
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), "notify-dlq-reason")).isEqualTo("ses-message-rejected");
        assertThat(header(dead.get(0), "notify-dlq-attempts")).isEqualTo("1");
        assertThat(header(dead.get(0), "notify-dlq-exception-message")).contains("SES 400 MessageRejected").doesNotContain("jane.doe@");
        assertThat(STUB.requests.get() - before).isEqualTo(1);
    }

    @Test
    void serverErrorsExhaustRetriesThenDeadLetter() {
        int before = STUB.requests.get();
        STUB.thenError(503, "ServiceUnavailable").thenError(503, "ServiceUnavailable").thenError(503, "ServiceUnavailable");
        String id = publish();

        List<ConsumerRecord<String, byte[]>> dead = TestKafka.read("seserr.dlq", r -> id.equals(header(r, "notify-dlq-event-id")), 1, WAIT, Duration.ofSeconds(1));
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), "notify-dlq-reason")).isEqualTo("ses-service-unavailable");
        assertThat(header(dead.get(0), "notify-dlq-attempts")).isEqualTo("3");
        assertThat(STUB.requests.get() - before).isEqualTo(3);
    }
}
