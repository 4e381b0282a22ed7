package com.example.notify.routes;

import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.digest.DigestWindows;
import com.example.notify.support.ScriptedSmtpServer;
import com.example.notify.support.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.subethamail.smtp.RejectException;

/**
 * A digest the relay refuses for good (550 5.1.1, a hard bounce): the digest ends {@code bounced} and so does each of
 * its items, with the digest id and the reply-table code. A real broker, the real routes and collector, a scripted
 * SubEthaSMTP relay (GreenMail cannot refuse a recipient), the digests' clock under the test's control.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=dbounce.events",
            "notify.kafka.topic.status=dbounce.status",
            "notify.kafka.topic.dlq=dbounce.dlq",
            "notify.kafka.topic.suppressions=dbounce.suppressions",
            "notify.kafka.group-id=dbounce-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=1000",
            "notify.digest.types.com.example.activity.window=PT30M",
            "notify.digest.types.com.example.activity.template=activity-digest"
        })
class DigestBounceRouteTest {

    static final String EVENTS = "dbounce.events";
    static final String STATUS = "dbounce.status";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final AtomicLong NOW = new AtomicLong(System.currentTimeMillis());
    static final ScriptedSmtpServer RELAY = ScriptedSmtpServer.plain(60_000);

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(RELAY.port()));
        System.setProperty("notify.email.templates-dir", templates().toString());
        TestKafka.createTopics(List.of(EVENTS, STATUS, "dbounce.dlq"), Set.of());
        TestKafka.createTopics(List.of("dbounce.suppressions"), Set.of("dbounce.suppressions"));
        TestKafka.createTopics(List.of("dbounce.events.digest"), 1);
        RELAY.reply(to -> to.startsWith("gone.")
                ? new RejectException(550, "5.1.1 The email account that you tried to reach does not exist") : null);
    }

    @BeanInject
    DigestWindows windows;

    @BeforeEach
    void controlTheClock() {
        windows.setClock(NOW::get);
    }

    @AfterAll
    static void stopRelayAndForgetTheTemplates() {
        RELAY.close();
        System.clearProperty("notify.email.templates-dir");
    }

    static Path templates() {
        try {
            Path dir = Files.createTempDirectory("digest-bounce-templates");
            Files.createDirectories(dir.resolve("activity-digest"));
            Files.writeString(dir.resolve("activity-digest/subject.ftl"), "${digest.count} updates");
            Files.writeString(dir.resolve("activity-digest/text.ftl"), "<#list items as i>[${i.id}]</#list>");
            return dir;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<ConsumerRecord<String, byte[]>> statuses(String id, String status, int expected) {
        return TestKafka.read(STATUS, r -> isStatusFor(r, id) && status.equals(statusData(r).path("status").asText()),
                expected, WAIT, Duration.ZERO);
    }

    @Test
    void aHardBouncedDigestBouncesEachOfItsItems() {
        String run = TestKafka.uniqueName("b");
        String gone = "gone." + run + "@example.com";
        List<String> items = List.of(run + "-1", run + "-2");
        for (String id : items) {
            TestKafka.publish(EVENTS, gone, """
                    {"specversion":"1.0","id":"%s","source":"/digest-bounce","type":"com.example.activity","data":{
                      "recipient":{"email":"%s"},"channels":["email"],"template":"plain"}}
                    """.formatted(id, gone));
            assertThat(statuses(id, "digested", 1)).as("digested status of " + id).hasSize(1);
        }
        int acceptedBefore = RELAY.accepted.size();
        NOW.addAndGet(Duration.ofMinutes(31).toMillis());
        String digestId = null;
        for (String id : items) {
            List<ConsumerRecord<String, byte[]>> bounced = statuses(id, "bounced", 1);
            assertThat(bounced).as("bounced status of " + id).hasSize(1);
            assertThat(statusData(bounced.get(0)).path("reason").asText()).isNotBlank();
            String itemDigest = statusData(bounced.get(0)).path("digestId").asText();
            digestId = digestId == null ? itemDigest : digestId;
            assertThat(itemDigest).startsWith("digest-").isEqualTo(digestId);
        }
        List<ConsumerRecord<String, byte[]>> digestBounced = statuses(digestId, "bounced", 1);
        assertThat(statusData(digestBounced.get(0)).path("reason").asText())
                .isEqualTo(statusData(statuses(items.get(0), "bounced", 1).get(0)).path("reason").asText());
        assertThat(RELAY.accepted).hasSize(acceptedBefore);
    }
}
