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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Fuzz over the ingest route (consume-events and what follows) with a real broker and the bundle's routes:
 * a few hundred generated and mutated records on one partition (raw bytes, truncated JSON, wrong types, huge
 * strings, control characters, odd and notify-* control headers, binary-mode ce_ headers), then one valid
 * sentinel. Every record must end in a status event or a dead letter, the sentinel must be delivered, the group's
 * committed offset must reach the log end (no stalled partition), and no dead letter may name an unexpected
 * exception (retries-exhausted: nothing classified it). Fixed seed, so a failure can be replayed.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=fuzz.events",
            "notify.kafka.topic.status=fuzz.status",
            "notify.kafka.topic.dlq=fuzz.dlq",
            "notify.kafka.group-id=fuzz-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=1000",
            "notify.contacts.directory=fileContacts",
            "notify.contacts.file=examples/contacts.json"
        })
class IngestRouteFuzzTest {

    static final String EVENTS = "fuzz.events";
    static final String STATUS = "fuzz.status";
    static final String DLQ = "fuzz.dlq";
    static final String GROUP = "fuzz-test";
    static final int RECORDS = 300;
    static final Duration WAIT = Duration.ofSeconds(80);

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestPardot.useForPardot();
        TestKafka.createTopics(List.of(EVENTS, STATUS, DLQ), 1);
    }

    private final Random random = new Random(19);

    @Test
    void everyHostileRecordEndsAndTheValidOneBehindThemIsDelivered() {
        // one partition, published in order: record i is at offset i
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            String id = "fz-" + i;
            ids.add(id);
            Map<String, String> headers = new HashMap<>();
            byte[] value = generate(i, id, headers);
            TestKafka.publish(EVENTS, random.nextBoolean() ? "fz" : "fz-" + (i % 7), value, headers);
        }
        String sentinel = "fz-sentinel-" + System.nanoTime();
        TestKafka.publish(EVENTS, "fz", event(sentinel, "/billing", "email").getBytes(StandardCharsets.UTF_8),
                Map.of("notify-replay-of", "forged"));

        List<ConsumerRecord<String, byte[]>> delivered = TestKafka.read(STATUS,
                r -> isStatusFor(r, sentinel) && "delivered".equals(statusData(r).path("status").asText()), 1, WAIT, Duration.ZERO);
        assertThat(delivered).as("the valid event behind %d hostile ones is delivered", RECORDS).hasSize(1);
        Awaitility.await().atMost(WAIT).untilAsserted(() ->
                assertThat(TestKafka.committedOffsets(GROUP, EVENTS)).as("no stalled partition")
                        .isEqualTo(TestKafka.endOffsets(EVENTS)));

        // dead letters and statuses are written before the offset is committed: all are there now
        List<ConsumerRecord<String, byte[]>> letters = TestKafka.read(DLQ, r -> EVENTS.equals(header(r, "notify-dlq-original-topic")),
                Integer.MAX_VALUE, Duration.ofSeconds(5), Duration.ZERO);
        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read(STATUS, r -> true, Integer.MAX_VALUE,
                Duration.ofSeconds(5), Duration.ZERO);
        Set<Long> deadLettered = new TreeSet<>();
        letters.forEach(r -> deadLettered.add(Long.parseLong(header(r, "notify-dlq-original-offset"))));
        Set<String> withStatus = new java.util.HashSet<>();
        statuses.forEach(r -> withStatus.add(statusData(r).path("eventId").asText()));
        List<Integer> unfinished = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            if (!deadLettered.contains((long) i) && !withStatus.contains(ids.get(i))) {
                unfinished.add(i);
            }
        }
        assertThat(unfinished).as("records (offsets) with neither a status nor a dead letter").isEmpty();
        assertThat(letters).extracting(r -> header(r, "notify-dlq-reason"))
                .as("every rejection is classified: no exception escaped the validation")
                .doesNotContain("retries-exhausted").allSatisfy(reason -> assertThat(reason).isNotBlank());
        assertThat(deadLettered.size()).as("most generated records are rejected").isGreaterThan(RECORDS / 2);
    }

    /** One hostile record; its id (when it has one at all) is {@code id}. */
    private byte[] generate(int i, String id, Map<String, String> headers) {
        String valid = event(id, "/billing", "email");
        switch (i % 10) {
            case 0 -> { // raw random bytes (sometimes empty)
                byte[] raw = new byte[random.nextInt(2000)];
                random.nextBytes(raw);
                return raw;
            }
            case 1 -> { // truncated JSON
                return valid.substring(0, 1 + random.nextInt(valid.length() - 2)).getBytes(StandardCharsets.UTF_8);
            }
            case 2 -> { // wrong types
                String[] wrong = {"\"channels\":[\"email\"]", "\"channels\":\"email\"",
                        "\"recipient\":{", "\"recipient\":[{", "\"id\":\"" + id + "\"", "\"id\":" + i,
                        "\"template\":\"invoice-due\"", "\"template\":{\"a\":1}", "\"specversion\":\"1.0\"", "\"specversion\":1.0"};
                int k = random.nextInt(wrong.length / 2) * 2;
                return valid.replace(wrong[k], wrong[k + 1]).getBytes(StandardCharsets.UTF_8);
            }
            case 3 -> { // huge strings: within and beyond notify.event.max-bytes, in params, address and type
                String huge = "a".repeat(1000 + random.nextInt(90_000));
                String[] into = {"\"amount\":\"12.00\"", "\"amount\":\"" + huge + "\"",
                        "jane.doe@example.com", huge + "@example.com", "com.example.invoice.due", huge};
                int k = random.nextInt(into.length / 2) * 2;
                return valid.replace(into[k], into[k + 1]).getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> { // control headers a producer must not be able to set, plus odd ones
                String[] names = {"notify-replay-of", "notify-replay-sig", "notify-attempt", "notify-dlq-reason",
                        "notify-channel", "notify-trace", "", "x\r\nInjected: 1", "traceparent", "content-type"};
                for (int h = 0; h < 1 + random.nextInt(4); h++) {
                    headers.put(names[random.nextInt(names.length)], randomText(random.nextInt(300)));
                }
                return valid.getBytes(StandardCharsets.UTF_8);
            }
            case 5 -> { // binary mode: ce_ headers, some valid, some hostile
                headers.put("ce_specversion", "1.0");
                headers.put("ce_id", id);
                headers.put("ce_source", "/billing");
                headers.put("ce_type", random.nextBoolean() ? "com.example.invoice.due" : "com.example.invoice.due\n");
                headers.put("content-type", "application/json");
                if (random.nextBoolean()) {
                    headers.put("ce_" + randomText(1 + random.nextInt(30)), randomText(random.nextInt(400)));
                }
                for (int x = 0; x < random.nextInt(3) * 20; x++) {
                    headers.put("ce_ext" + x, "v" + x);
                }
                return """
                        {"recipient":{"email":"jane.doe@example.com"},"channels":["email"],"template":"invoice-due",
                         "params":{"amount":"12.00"}}""".getBytes(StandardCharsets.UTF_8);
            }
            case 6 -> { // byte mutations of a valid event
                byte[] bytes = valid.getBytes(StandardCharsets.UTF_8);
                for (int m = 0; m < 1 + random.nextInt(3); m++) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
                return bytes;
            }
            case 7 -> { // control characters and line separators in typed fields
                String[] bad = {"\n", "\r", "\u0085", "\u2028", "\u2029", "\u0000", "\u007f"};
                String c = bad[random.nextInt(bad.length)];
                String[] field = {"com.example.invoice.due", "invoice-due", "/billing", "Jane Doe", "de-AT"};
                String f = field[random.nextInt(field.length)];
                String escaped = new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(c));
                return valid.replace(f, f + escaped).getBytes(StandardCharsets.UTF_8);
            }
            case 8 -> { // deep nesting and many keys
                String deep = "[".repeat(2000 + random.nextInt(3000));
                return random.nextBoolean()
                        ? valid.replace("\"12.00\"", deep).getBytes(StandardCharsets.UTF_8)
                        : valid.replace("\"specversion\"", manyExtensions(50 + random.nextInt(200)) + "\"specversion\"")
                                .getBytes(StandardCharsets.UTF_8);
            }
            default -> { // valid: the pipeline keeps delivering among the hostile ones
                return valid.getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    private static String manyExtensions(int count) {
        StringBuilder out = new StringBuilder();
        for (int x = 0; x < count; x++) {
            out.append("\"x").append(x).append("\":\"v\",");
        }
        return out.toString();
    }

    private String randomText(int length) {
        StringBuilder out = new StringBuilder();
        for (int x = 0; x < length; x++) {
            out.append((char) (random.nextBoolean() ? 0x20 + random.nextInt(0x5f) : random.nextInt(0x3000)));
        }
        return out.toString();
    }
}
