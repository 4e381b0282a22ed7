package com.example.notify.routes;

import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.digest.DigestCollector;
import com.example.notify.digest.DigestWindows;
import com.example.notify.preferences.RecipientKeys;
import com.example.notify.preferences.SuppressionList;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import jakarta.mail.Address;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What becomes of a digest's items beyond the happy path: a restart of the collector after a window was published
 * but not committed past (items read again must not go out again), and the digest's terminal statuses other than
 * delivered (dead-lettered, skipped as suppressed), which each item must get too. Real broker, the real routes and
 * collector, GreenMail, the digests' clock under the test's control. The digest topic has ONE partition, so the
 * items of different recipients share it (the commit of one waits for the other's open window).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=dfix.events",
            "notify.kafka.topic.status=dfix.status",
            "notify.kafka.topic.dlq=dfix.dlq",
            "notify.kafka.topic.suppressions=dfix.suppressions",
            "notify.kafka.group-id=dfix-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=2000",
            "notify.digest.types.com.example.activity.window=PT30M",
            "notify.digest.types.com.example.activity.template=activity-digest",
            // a digest type whose template is missing: its digests fail permanently (dead letter)
            "notify.digest.types.com.example.broken.window=PT30M",
            "notify.digest.types.com.example.broken.template=no-such-digest"
        })
class DigestOutcomesRouteTest {

    static final String EVENTS = "dfix.events";
    static final String STATUS = "dfix.status";
    static final String DELIVER_EMAIL = "dfix.events.deliver.email";
    static final String SUPPRESSIONS = "dfix.suppressions";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final AtomicLong NOW = new AtomicLong(System.currentTimeMillis());

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        System.setProperty("notify.email.templates-dir", templates().toString());
        TestKafka.createTopics(List.of(EVENTS, STATUS, "dfix.dlq"), Set.of());
        TestKafka.createTopics(List.of(SUPPRESSIONS), Set.of(SUPPRESSIONS));
        TestKafka.createTopics(List.of("dfix.events.digest"), 1);
    }

    /** The templates directory must not outlive this class: later tests in the JVM read the repo's templates. */
    @org.junit.jupiter.api.AfterAll
    static void forgetTheTemplatesDirectory() {
        System.clearProperty("notify.email.templates-dir");
    }

    @BeanInject
    CamelContext context;

    @BeanInject
    DigestWindows windows;

    @BeanInject
    DigestCollector collector;

    @BeforeEach
    void controlTheClock() {
        windows.setClock(NOW::get);
    }

    static Path templates() {
        try {
            Path dir = Files.createTempDirectory("digest-outcome-templates");
            Files.createDirectories(dir.resolve("plain"));
            Files.writeString(dir.resolve("plain/subject.ftl"), "${event.id}");
            Files.writeString(dir.resolve("plain/text.ftl"), "plain ${what}");
            Files.createDirectories(dir.resolve("activity-digest"));
            Files.writeString(dir.resolve("activity-digest/subject.ftl"), "${digest.count} updates");
            Files.writeString(dir.resolve("activity-digest/text.ftl"), "<#list items as i>[${i.id}]</#list>");
            return dir;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String event(String id, String type, String address) {
        return """
                {"specversion":"1.0","id":"%s","source":"/digest-outcomes","type":"%s","data":{
                  "recipient":{"email":"%s"},"channels":["email"],"template":"plain","params":{"what":"x"}}}
                """.formatted(id, type, address);
    }

    static void publishDigested(String address, String id, String type) {
        TestKafka.publish(EVENTS, address, event(id, type, address));
        assertThat(statuses(id, "digested", 1)).as("digested status of " + id).hasSize(1);
    }

    static List<MimeMessage> mailTo(String address) {
        return Arrays.stream(TestSmtp.server().getReceivedMessages()).filter(m -> {
            try {
                Address[] to = m.getAllRecipients();
                return to != null && Arrays.stream(to).anyMatch(a -> a.toString().contains(address));
            } catch (Exception e) {
                return false;
            }
        }).toList();
    }

    static List<ConsumerRecord<String, byte[]>> statuses(String id, String status, int expected) {
        return statuses(id, status, expected, Duration.ZERO);
    }

    static List<ConsumerRecord<String, byte[]>> statuses(String id, String status, int expected, Duration settle) {
        return TestKafka.read(STATUS, r -> isStatusFor(r, id) && status.equals(statusData(r).path("status").asText()),
                expected, WAIT, settle);
    }

    @Test
    void itemsReadAgainAfterARestartAreNotSentAgainInASecondDigest() throws Exception {
        String run = TestKafka.uniqueName("x");
        String ann = "ann-" + run + "@example.com";
        String bob = "bob-" + run + "@example.com";
        String a1 = run + "-a1";
        String b1 = run + "-b1";
        String a2 = run + "-a2";
        // on the one partition: A1, B1, A2; ann's window (t0 .. t0+30) closes before bob's (t0+10 .. t0+40)
        publishDigested(ann, a1, "com.example.activity");
        NOW.addAndGet(Duration.ofMinutes(10).toMillis());
        publishDigested(bob, b1, "com.example.activity");
        NOW.addAndGet(Duration.ofMinutes(1).toMillis());
        publishDigested(ann, a2, "com.example.activity");
        Awaitility.await().atMost(WAIT).until(() -> collector.getPendingItems() == 3);

        NOW.addAndGet(Duration.ofMinutes(20).toMillis()); // t0+31: ann's window closes, bob's stays open
        Awaitility.await().atMost(WAIT).until(() -> mailTo(ann).size() == 1);
        assertThat(mailTo(ann).get(0).getContent().toString().strip()).isEqualTo("[" + a1 + "][" + a2 + "]");
        String firstDigest = statusData(statuses(a1, "delivered", 1).get(0)).path("digestId").asText();
        assertThat(statusData(statuses(a2, "delivered", 1).get(0)).path("digestId").asText()).isEqualTo(firstDigest);
        // the digest record is keyed by recipient, like every email delivery record (not recipient|type)
        assertThat(TestKafka.read(DELIVER_EMAIL, r -> firstDigest.equals(header(r, "notify-digest-id")), 1, WAIT, Duration.ZERO))
                .singleElement().extracting(ConsumerRecord::key).isEqualTo(ann);
        Awaitility.await().atMost(WAIT).until(() -> collector.getPendingItems() == 1);

        // the commit stays at B1 (its window is open): a restart reads B1 and A2 again; A2 opens a window of its own
        collector.stop();
        collector.start();
        Awaitility.await().atMost(WAIT).until(() -> collector.getPendingItems() == 2);

        NOW.addAndGet(Duration.ofMinutes(15).toMillis()); // t0+46: bob's window and A2's rebuilt one close
        Awaitility.await().atMost(WAIT).until(() -> mailTo(bob).size() == 1);
        List<ConsumerRecord<String, byte[]>> skipped = statuses(a2, "skipped", 1);
        assertThat(skipped).as("A2, read again, is dropped from its second digest").hasSize(1);
        assertThat(statusData(skipped.get(0)).path("reason").asText()).isEqualTo("already-sent");
        String secondDigest = statusData(skipped.get(0)).path("digestId").asText();
        assertThat(secondDigest).startsWith("digest-").isNotEqualTo(firstDigest);
        // the second digest, left without items, is skipped itself
        List<ConsumerRecord<String, byte[]>> digestSkipped = statuses(secondDigest, "skipped", 1);
        assertThat(statusData(digestSkipped.get(0)).path("reason").asText()).isEqualTo("already-sent");
        Thread.sleep(1_000);
        assertThat(mailTo(ann)).as("A2 went out once").hasSize(1);
        assertThat(statuses(a2, "delivered", 1, Duration.ofSeconds(1))).hasSize(1);
        assertThat(statuses(b1, "delivered", 1)).hasSize(1);
    }

    @Test
    void aDeadLetteredDigestDeadLettersEachOfItsItems() throws Exception {
        String run = TestKafka.uniqueName("y");
        String cat = "cat-" + run + "@example.com";
        List<String> items = List.of(run + "-1", run + "-2");
        for (String id : items) {
            publishDigested(cat, id, "com.example.broken");
        }
        NOW.addAndGet(Duration.ofMinutes(31).toMillis());
        String digestId = null;
        for (String id : items) {
            List<ConsumerRecord<String, byte[]>> dead = statuses(id, "dead-lettered", 1);
            assertThat(dead).as("dead-lettered status of " + id).hasSize(1);
            String itemDigest = statusData(dead.get(0)).path("digestId").asText();
            assertThat(itemDigest).startsWith("digest-");
            digestId = digestId == null ? itemDigest : digestId;
            assertThat(itemDigest).isEqualTo(digestId);
        }
        assertThat(statuses(digestId, "dead-lettered", 1)).hasSize(1);
        assertThat(mailTo(cat)).isEmpty();
        // the dead letter is the digest record (the first item's event) and names all its items (README "Digests":
        // a replay re-ingests only that event; the others are listed here and in their statuses)
        String id = digestId;
        ConsumerRecord<String, byte[]> deadLetter = TestKafka.read("dfix.dlq", r -> id.equals(header(r, "notify-digest-id")),
                1, WAIT, Duration.ZERO).get(0);
        assertThat(header(deadLetter, "notify-digest-items")).contains(items.get(0)).contains(items.get(1));
    }

    @Test
    void aDigestSkippedAsSuppressedSkipsEachOfItsItems() throws Exception {
        String run = TestKafka.uniqueName("z");
        String dan = "dan-" + run + "@example.com";
        List<String> items = List.of(run + "-1", run + "-2", run + "-3");
        for (String id : items) {
            publishDigested(dan, id, "com.example.activity");
        }
        // suppressed while the window is open: the digest is skipped when it closes
        TestKafka.publish(SUPPRESSIONS, RecipientKeys.addressHash(dan), "{\"reason\":\"manual\"}");
        SuppressionList suppressions = context.getRegistry().lookupByNameAndType("suppressionList", SuppressionList.class);
        Awaitility.await().atMost(WAIT).until(() -> suppressions.reasonFor(dan) != null);
        NOW.addAndGet(Duration.ofMinutes(31).toMillis());
        String digestId = null;
        for (String id : items) {
            List<ConsumerRecord<String, byte[]>> skipped = statuses(id, "skipped", 1);
            assertThat(skipped).as("skipped status of " + id).hasSize(1);
            assertThat(statusData(skipped.get(0)).path("reason").asText()).isEqualTo("suppressed-manual");
            String itemDigest = statusData(skipped.get(0)).path("digestId").asText();
            digestId = digestId == null ? itemDigest : digestId;
            assertThat(itemDigest).startsWith("digest-").isEqualTo(digestId);
        }
        assertThat(statuses(digestId, "skipped", 1)).hasSize(1);
        assertThat(mailTo(dan)).isEmpty();
    }
}
