package com.example.notify.routes;

import static com.example.notify.support.EventSamples.event;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.TestKafka;
import com.example.notify.support.TestPardot;
import com.example.notify.support.TestSmtp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A limit per key inside the email channel (notify.limits.key=source): one source's emails are held to its own
 * rate while another source's in the same batch go at once, on the real routes with a real broker and SMTP server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=keylimits.events",
            "notify.kafka.topic.status=keylimits.status",
            "notify.kafka.topic.dlq=keylimits.dlq",
            "notify.kafka.group-id=keylimits-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=1000",
            "notify.politeness.limit=0",
            "notify.limits.key=source",
            "notify.email.per-second./brand-a=2"
        })
class KeyLimitsRouteTest {

    static final String EVENTS = "keylimits.events";
    static final String STATUS = "keylimits.status";
    static final int EACH = 12;

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestPardot.useForPardot();
        TestKafka.createTopics(List.of(EVENTS, STATUS, "keylimits.dlq"), Set.of());
    }

    @Test
    void aSourceWithALimitOfItsOwnIsHeldToItWhileAnotherGoesAtTheChannelsRate() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < EACH; i++) {
            // a key each: different recipients' lanes, so only the throttle can make one source wait
            TestKafka.publish(EVENTS, "a-" + run + "-" + i, normal(event("a-" + run + "-" + i, "/brand-a", "email")));
            TestKafka.publish(EVENTS, "b-" + run + "-" + i, normal(event("b-" + run + "-" + i, "/brand-b", "email")));
        }
        List<ConsumerRecord<String, byte[]>> delivered = TestKafka.read(STATUS,
                r -> statusData(r).path("eventId").asText().contains(run) && "delivered".equals(statusData(r).path("status").asText()),
                2 * EACH, Duration.ofSeconds(90), Duration.ofSeconds(1));
        assertThat(delivered).hasSize(2 * EACH);
        List<Long> a = times(delivered, "/brand-a");
        List<Long> b = times(delivered, "/brand-b");
        assertThat(a).hasSize(EACH);
        assertThat(b).hasSize(EACH);
        // 12 at 2/s: about 5 s from the first to the last (the first two go at once; sends and statuses jitter)
        assertThat(a.get(EACH - 1) - a.get(0)).as("brand-a's emails spread by its 2/s").isGreaterThanOrEqualTo(4_000);
        for (long start : a) {
            // 2/s over 3 s, plus what the send and status times can bunch from the windows' edges
            long inThreeSeconds = a.stream().filter(t -> t >= start && t < start + 3_000).count();
            assertThat(inThreeSeconds).as("brand-a's emails in any 3 seconds").isLessThanOrEqualTo(8);
        }
        // brand-b is not limited: a batch's brand-b emails go at once, while brand-a's wait for permits. Which
        // batch holds how many of each depends on how the run's keys fall on partitions, so the test does not
        // pin them to brand-a's first email; it asks that some half second saw 3 or more brand-b emails, which
        // brand-b held to 2/s (its own limit, or brand-a's shared) never allows. A later batch waits for the batch
        // before it (its lanes must finish), so a limited key slows the channel's later batches too: README
        // "Limits per key" says so, and this test does not claim more
        long mostInHalfASecond = b.stream().mapToLong(start -> b.stream().filter(t -> t >= start && t < start + 500).count())
                .max().orElse(0);
        assertThat(mostInHalfASecond).as("brand-b emails in the busiest half second").isGreaterThanOrEqualTo(3);
    }

    /**
     * The normal lane (32 lanes): a delivery waiting for its key's permit holds the lane it is in, so a key's limit
     * is for channels with more lanes than the limited keys' records in a batch (the README says so).
     */
    private static String normal(String event) {
        return event.replace("\"priority\":\"high\"", "\"priority\":\"normal\"");
    }

    private static List<Long> times(List<ConsumerRecord<String, byte[]>> statuses, String source) {
        List<Long> times = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : statuses) {
            if (source.equals(statusData(r).path("eventSource").asText())) {
                times.add(r.timestamp());
            }
        }
        times.sort(null);
        return times;
    }
}
