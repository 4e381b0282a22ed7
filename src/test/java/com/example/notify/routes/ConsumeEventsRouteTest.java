package com.example.notify.routes;

import static com.example.notify.support.EventSamples.event;
import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.TestKafka;
import com.example.notify.support.TestPardot;
import com.example.notify.support.TestSmtp;
import com.github.tomakehurst.wiremock.matching.RequestPattern;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The spine against a real broker: the real routes/ files and application.properties, Kafka in and out.
 * Every case asserts the exact records on the status and dead-letter topics and the committed offsets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=spine.events",
            "notify.kafka.topic.status=spine.status",
            "notify.kafka.topic.dlq=spine.dlq",
            "notify.kafka.group-id=spine-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.event.max-bytes=4096",
            "notify.kafka.max-poll-records=50",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=1000",
            "notify.contacts.directory=fileContacts",
            "notify.contacts.file=examples/contacts.json",
            "notify.pardot.recent-upserts.ttl-seconds=0"
        })
class ConsumeEventsRouteTest {

    static final String EVENTS = "spine.events";
    static final String STATUS = "spine.status";
    static final String DLQ = "spine.dlq";
    static final String GROUP = "spine-test";
    static final Duration WAIT = Duration.ofSeconds(60); // an upper bound: the first test also waits for every stage's group to join
    static final Duration SETTLE = Duration.ofSeconds(2);

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestPardot.useForPardot();
        TestKafka.createTopics(List.of(EVENTS, STATUS, DLQ), Set.of());
    }

    @org.apache.camel.BeanInject
    CamelContext context;

    @Test
    void validMultiChannelEventReachesEachChannelOnce() {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "c-42", event(id, "/billing", "email", "pardot"));

        List<ConsumerRecord<String, byte[]>> statuses = statusesFor(id, 2);
        assertThat(statuses).extracting(r -> statusData(r).path("channel").asText() + "/" + statusData(r).path("status").asText())
                .containsExactlyInAnyOrder("email/delivered", "pardot/delivered");
        assertThat(statuses).allSatisfy(r -> {
            assertThat(statusData(r).path("eventSource").asText()).isEqualTo("/billing");
            assertThat(r.key()).as("status keyed like the event").isEqualTo("c-42");
            // the status carries the delivery's trace context (traceparent), nothing of the event's own headers
            assertThat(r.headers().toArray()).extracting(h -> h.key()).as("no event headers leak onto status records")
                    .containsExactly("traceparent");
        });
        assertThat(deadLettersFor(id, 0)).isEmpty();
        assertAllOffsetsCommitted();
    }

    @Test
    void duplicateEventIdIsDroppedButSameIdFromAnotherSourceIsNot() {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "c-7", event(id, "/billing", "email"));
        TestKafka.publish(EVENTS, "c-7", event(id, "/billing", "email"));
        TestKafka.publish(EVENTS, "c-7", event(id, "/accounts", "email"));

        List<ConsumerRecord<String, byte[]>> statuses = statusesFor(id, 2);
        assertThat(statuses).extracting(r -> statusData(r).path("eventSource").asText())
                .containsExactlyInAnyOrder("/billing", "/accounts");
        assertAllOffsetsCommitted();
    }

    @Test
    void malformedJsonIsDeadLetteredAsReadAndTheConsumerGoesOn() {
        String marker = UUID.randomUUID().toString();
        byte[] broken = ("{\"specversion\":\"1.0\",\"id\":\"" + marker + "\",").getBytes();
        TestKafka.publish(EVENTS, "k-" + marker, broken, Map.of("trace", marker));
        String next = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "k-" + marker, event(next, "/billing", "email"));

        List<ConsumerRecord<String, byte[]>> dead = TestKafka.read(DLQ,
                r -> marker.equals(header(r, "trace")), 1, WAIT, SETTLE);
        assertThat(dead).hasSize(1);
        ConsumerRecord<String, byte[]> letter = dead.get(0);
        assertThat(letter.value()).as("the original bytes").isEqualTo(broken);
        assertThat(letter.key()).isEqualTo("k-" + marker);
        assertThat(header(letter, "notify-dlq-reason")).isEqualTo("malformed-json");
        assertThat(header(letter, "notify-dlq-problems")).contains("not valid JSON");
        assertThat(header(letter, "notify-dlq-exception-class")).endsWith("InvalidEventException");
        assertThat(header(letter, "notify-dlq-route-id")).isEqualTo("process-event");
        assertThat(header(letter, "notify-dlq-attempts")).isEqualTo("1");
        assertThat(header(letter, "notify-dlq-original-topic")).isEqualTo(EVENTS);
        assertThat(header(letter, "notify-dlq-original-partition")).isNotBlank();
        assertThat(header(letter, "notify-dlq-original-offset")).isNotBlank();
        assertThat(header(letter, "notify-dlq-time")).isNotBlank();

        assertThat(statusesFor(next, 1)).hasSize(1);
        assertAllOffsetsCommitted();
    }

    @Test
    void schemaViolationNamesEachFieldAtFault() {
        String id = UUID.randomUUID().toString();
        String invalid = """
                {"specversion":"1.0","id":"%s","source":"/billing","type":"com.example.invoice.due",
                 "data":{"recipient":{"email":"not-an-address\\r\\nBcc: victim@example.com"},
                         "channels":[],"template":"invoice-due"}}
                """.formatted(id);
        TestKafka.publish(EVENTS, "c-1", invalid);

        ConsumerRecord<String, byte[]> letter = single(deadLettersFor(id, 1));
        assertThat(header(letter, "notify-dlq-reason")).isEqualTo("schema-violation");
        assertThat(header(letter, "notify-dlq-problems"))
                .contains("$.data.channels")
                .contains("$.data.recipient.email")
                .doesNotContain("victim@example.com");
        assertThat(statusesFor(id, 0)).isEmpty();
        assertAllOffsetsCommitted();
    }

    @Test
    void oversizedPayloadIsDeadLettered() {
        String id = UUID.randomUUID().toString();
        String big = event(id, "/billing", "email").replace("\"amount\":\"12.00\"",
                "\"amount\":\"" + "9".repeat(5000) + "\"");
        TestKafka.publish(EVENTS, "c-2", big);

        ConsumerRecord<String, byte[]> letter = single(deadLettersFor(id, 1));
        assertThat(header(letter, "notify-dlq-reason")).isEqualTo("payload-too-large");
        assertThat(header(letter, "notify-dlq-problems")).contains("limit is 4096");
        assertAllOffsetsCommitted();
    }

    @Test
    void unknownChannelIsDeadLetteredWhileTheKnownChannelIsServed() {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "c-3", event(id, "/billing", "sms", "email"));

        ConsumerRecord<String, byte[]> letter = single(deadLettersFor(id, 1));
        assertThat(header(letter, "notify-dlq-reason")).isEqualTo("unknown-channel");
        assertThat(header(letter, "notify-dlq-channel")).isEqualTo("sms");
        assertThat(header(letter, "notify-dlq-route-id")).isEqualTo("route-by-channel");
        assertThat(letter.value()).as("the whole original event").isEqualTo(event(id, "/billing", "sms", "email").getBytes());

        List<ConsumerRecord<String, byte[]>> statuses = statusesFor(id, 2);
        assertThat(statuses).extracting(r -> statusData(r).path("channel").asText() + "/" + statusData(r).path("status").asText())
                .containsExactlyInAnyOrder("email/delivered", "sms/dead-lettered");
        assertThat(statuses).filteredOn(r -> "sms".equals(statusData(r).path("channel").asText()))
                .allSatisfy(r -> assertThat(statusData(r).path("reason").asText()).isEqualTo("unknown-channel"));
        assertAllOffsetsCommitted();
    }

    @Test
    void exampleEventNamingOnlyTheContactGetsAddressNameAndLocaleFromTheFileDirectory() throws Exception {
        String id = UUID.randomUUID().toString();
        String example = java.nio.file.Files.readString(java.nio.file.Path.of("examples/events/invoice-due.json"))
                .replace("9d6c1f4e-3b1a-4c55-9a57-0d5b2f0e8a11", id);
        assertThat(example).contains("\"recipient\": { \"contactId\": \"c-42\" }").doesNotContain("locale");
        TestKafka.publish(EVENTS, "c-42", example);

        ConsumerRecord<String, byte[]> email = statusesFor(id, 2).stream()
                .filter(r -> "email".equals(statusData(r).path("channel").asText())).findFirst().orElseThrow();
        assertThat(statusData(email).path("status").asText()).isEqualTo("delivered");
        String messageId = statusData(email).path("providerMessageId").asText();
        Awaitility.await().atMost(WAIT).until(() -> TestSmtp.received(messageId).size() == 1);
        jakarta.mail.internet.MimeMessage mail = TestSmtp.received(messageId).get(0);
        assertThat(mail.getHeader("To", ",")).isEqualTo("Max Mustermann <max.mustermann@example.com>");
        assertThat(mail.getSubject()).as("German, from the contact's locale de-AT").contains("Rechnung");
    }

    @Test
    void binaryModeEventIsAccepted() {
        String id = UUID.randomUUID().toString();
        String data = """
                {"recipient":{"contactId":"c-44"},"channels":["pardot"],"template":"account-created"}""";
        // what must reach Pardot: contact c-44 of examples/contacts.json, as the event names only the contact
        RequestPattern upsertOfSam = postRequestedFor(urlEqualTo(TestPardot.UPSERT_PATH))
                .withRequestBody(matchingJsonPath("$.matchEmail", equalTo("sam.sample@example.com")))
                .withRequestBody(matchingJsonPath("$.prospect.email", equalTo("sam.sample@example.com")))
                .withRequestBody(matchingJsonPath("$.prospect.firstName", equalTo("Sam")))
                .withRequestBody(matchingJsonPath("$.prospect.lastName", equalTo("Sample")))
                .withRequestBody(matchingJsonPath("$.prospect.company", equalTo("Example Ltd")))
                .build();
        int before = TestPardot.server().countRequestsMatching(upsertOfSam).getCount();
        TestKafka.publish(EVENTS, "c-44", data.getBytes(), Map.of(
                "ce_specversion", "1.0", "ce_id", id, "ce_source", "/accounts",
                "ce_type", "com.example.account.created", "content-type", "application/json"));

        ConsumerRecord<String, byte[]> status = single(statusesFor(id, 1));
        assertThat(statusData(status).path("channel").asText()).isEqualTo("pardot");
        assertThat(statusData(status).path("status").asText()).isEqualTo("delivered");
        assertThat(statusData(status).path("reason").asText("")).isEmpty();
        assertThat(statusData(status).path("provider").asText()).isEqualTo("pardot");
        assertThat(statusData(status).path("eventSource").asText()).as("from ce_source").isEqualTo("/accounts");
        assertThat(statusData(status).path("eventType").asText()).as("from ce_type").isEqualTo("com.example.account.created");
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(TestPardot.server().countRequestsMatching(upsertOfSam).getCount())
                .as("one upsert of the contact's address and fields").isEqualTo(before + 1));
        assertThat(deadLettersFor(id, 0)).isEmpty();
        assertAllOffsetsCommitted();
    }

    @Test
    void restartedConsumerReReadsNothingTerminalAndSkipsNothing() throws Exception {
        String batch = UUID.randomUUID().toString().substring(0, 8);
        int total = 300;
        Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
        EventNotifierSupport counter = new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                // the consumer's own exchanges only: split pieces carry the parent's id as correlation id
                if (event instanceof CamelEvent.ExchangeCompletedEvent completed
                        && "consume-events".equals(completed.getExchange().getFromRouteId())
                        && completed.getExchange().getProperty(Exchange.CORRELATION_ID) == null) {
                    byte[] body = completed.getExchange().getProperty("notifyRaw", byte[].class);
                    String text = body == null ? "" : new String(body);
                    if (text.contains(batch)) {
                        processed.computeIfAbsent(text, k -> new AtomicInteger()).incrementAndGet();
                    }
                }
            }
        };
        context.getManagementStrategy().addEventNotifier(counter);
        counter.start();

        for (int i = 0; i < total; i++) {
            TestKafka.publish(EVENTS, "r-" + (i % 16), event(batch + "-" + i, "/restart", "email"));
        }
        Awaitility.await().atMost(WAIT).until(() -> processed.size() >= 40);
        context.getRouteController().stopRoute("consume-events");
        int beforeRestart = processed.size();
        assertThat(beforeRestart).as("stopped mid-stream").isLessThan(total);
        context.getRouteController().startRoute("consume-events");

        Predicate<ConsumerRecord<String, byte[]>> ofBatch =
                r -> statusData(r).path("eventId").asText().startsWith(batch + "-");
        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read(STATUS, ofBatch, total, Duration.ofSeconds(60), SETTLE);
        assertThat(statuses).extracting(r -> statusData(r).path("eventId").asText())
                .as("every event delivered to its channel exactly once").hasSize(total).doesNotHaveDuplicates();
        assertThat(processed).as("every record consumed once: nothing terminal re-read").hasSize(total)
                .allSatisfy((record, count) -> assertThat(count.get()).isEqualTo(1));
        assertAllOffsetsCommitted();
    }

    private List<ConsumerRecord<String, byte[]>> statusesFor(String eventId, int expected) {
        return TestKafka.read(STATUS, r -> isStatusFor(r, eventId), expected, expected == 0 ? SETTLE : WAIT, SETTLE);
    }

    private List<ConsumerRecord<String, byte[]>> deadLettersFor(String eventId, int expected) {
        return TestKafka.read(DLQ, r -> eventId.equals(header(r, "notify-dlq-event-id"))
                        || new String(r.value()).contains(eventId), expected, expected == 0 ? SETTLE : WAIT, SETTLE);
    }

    private static ConsumerRecord<String, byte[]> single(List<ConsumerRecord<String, byte[]>> records) {
        assertThat(records).hasSize(1);
        return records.get(0);
    }

    /** Every record on the events topic has reached a terminal state and its offset is committed. */
    private static void assertAllOffsetsCommitted() {
        Awaitility.await().atMost(WAIT).untilAsserted(() ->
                assertThat(TestKafka.committedOffsets(GROUP, EVENTS)).isEqualTo(TestKafka.endOffsets(EVENTS)));
    }
}
