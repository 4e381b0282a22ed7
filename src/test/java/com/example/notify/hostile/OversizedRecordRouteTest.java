package com.example.notify.hostile;

import static com.example.notify.support.EventSamples.event;
import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.TestKafka;
import com.example.notify.support.TestPardot;
import com.example.notify.support.TestSmtp;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Records a producer can put on the events topic but whose dead letter Kafka would refuse: they must become a
 * bounded stub and the partition must go on. Real broker (default limits: message.max.bytes 1048588, producer
 * max.request.size 1048576); the dead-letter topic is created with max.message.bytes 200000 so that the
 * broker-side refusal is exercised too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=oversized.events",
            "notify.kafka.topic.status=oversized.status",
            "notify.kafka.topic.dlq=oversized.dlq",
            "notify.kafka.group-id=oversized-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=1000",
            "notify.contacts.directory=fileContacts",
            "notify.contacts.file=examples/contacts.json"
        })
class OversizedRecordRouteTest {

    static final String EVENTS = "oversized.events";
    static final String STATUS = "oversized.status";
    static final String DLQ = "oversized.dlq";
    static final Duration WAIT = Duration.ofSeconds(90);

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestPardot.useForPardot();
        TestKafka.createTopics(List.of(EVENTS, STATUS), Map.of(), 1);
        TestKafka.createTopics(List.of(DLQ), Map.of(DLQ, Map.of("max.message.bytes", "200000")), 1);
    }

    @Test
    void recordNearTheBrokerLimitIsDeadLetteredAsAStubAndThePartitionGoesOn() throws Exception {
        // value + key + headers just below the producer's 1 MiB: the whole dead letter (plus notify-dlq-* headers)
        // would be above it
        String marker = UUID.randomUUID().toString();
        byte[] huge = filler(marker, 1_048_000);
        TestKafka.publish(EVENTS, "k-" + marker, huge, Map.of("trace", marker));
        String next = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "k-" + marker, event(next, "/billing", "email"));

        ConsumerRecord<String, byte[]> stub = stubOf(huge);
        assertThat(header(stub, "notify-dlq-reason")).isEqualTo("payload-too-large");
        assertThat(header(stub, "notify-dlq-stub-reason")).startsWith("larger-than-");
        assertStub(stub, huge);
        assertThat(header(stub, "trace")).as("producer headers are not carried by a stub").isNull();
        assertThat(TestKafka.read(STATUS, r -> isStatusFor(r, next), 1, WAIT, Duration.ZERO))
                .extracting(r -> statusData(r).path("status").asText()).containsExactly("delivered");
        assertCommitted();
    }

    @Test
    void deadLetterTheTopicRefusesBecomesAStubInsteadOfALoop() throws Exception {
        // 300 kB: small enough for the producer, too large for the dead-letter topic (max.message.bytes 200000)
        String marker = UUID.randomUUID().toString();
        byte[] large = filler(marker, 300_000);
        TestKafka.publish(EVENTS, "k-" + marker, large, Map.of("trace", marker));
        String next = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "k-" + marker, event(next, "/billing", "email"));

        ConsumerRecord<String, byte[]> stub = stubOf(large);
        assertThat(header(stub, "notify-dlq-stub-reason")).isEqualTo("refused-RecordTooLargeException");
        assertStub(stub, large);
        assertThat(TestKafka.read(STATUS, r -> isStatusFor(r, next), 1, WAIT, Duration.ZERO)).hasSize(1);
        assertCommitted();
    }

    private static byte[] filler(String marker, int size) {
        byte[] value = new byte[size];
        Arrays.fill(value, (byte) 'x');
        byte[] head = ("{\"id\":\"" + marker + "\",\"pad\":\"").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, value, 0, head.length);
        return value;
    }

    private static ConsumerRecord<String, byte[]> stubOf(byte[] original) throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original));
        List<ConsumerRecord<String, byte[]>> letters = TestKafka.read(DLQ,
                r -> sha.equals(header(r, "notify-dlq-original-sha256")), 1, WAIT, Duration.ofSeconds(2));
        assertThat(letters).as("exactly one dead letter, not one per re-read").hasSize(1);
        return letters.get(0);
    }

    private static void assertStub(ConsumerRecord<String, byte[]> stub, byte[] original) {
        assertThat(header(stub, "notify-dlq-truncated")).isEqualTo("true");
        assertThat(header(stub, "notify-dlq-original-size")).isEqualTo(String.valueOf(original.length));
        assertThat(stub.value()).isEqualTo(Arrays.copyOf(original, 4096));
        assertThat(header(stub, "notify-dlq-original-topic")).isEqualTo(EVENTS);
        assertThat(header(stub, "notify-dlq-original-offset")).isNotBlank();
    }

    private static void assertCommitted() {
        Awaitility.await().atMost(WAIT).untilAsserted(() ->
                assertThat(TestKafka.committedOffsets("oversized-test", EVENTS)).isEqualTo(TestKafka.endOffsets(EVENTS)));
    }
}
