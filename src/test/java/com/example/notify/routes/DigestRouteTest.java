package com.example.notify.routes;

import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.digest.DigestCollector;
import com.example.notify.digest.DigestWindows;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import jakarta.mail.Address;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Digests end to end: a real broker, the real routes and collector, a real SMTP server (GreenMail) and the digests'
 * clock under the test's control (a 30-minute window passes in one step).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=digest.events",
            "notify.kafka.topic.status=digest.status",
            "notify.kafka.topic.dlq=digest.dlq",
            "notify.kafka.group-id=digest-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=2000",
            "notify.digest.types.com.example.activity.window=PT30M",
            "notify.digest.types.com.example.activity.template=activity-digest",
            "notify.digest.types.com.example.daily.until=08:00"
        })
class DigestRouteTest {

    static final String EVENTS = "digest.events";
    static final String STATUS = "digest.status";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final AtomicLong NOW = new AtomicLong(System.currentTimeMillis());

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        System.setProperty("notify.email.templates-dir", templates().toString());
        TestKafka.createTopics(List.of(EVENTS, STATUS, "digest.dlq"), Set.of());
        TestKafka.createTopics(List.of("digest.events.digest"), 2);
    }

    /** The digest templates directory must not outlive this class: later tests in the JVM read the repo's templates. */
    @org.junit.jupiter.api.AfterAll
    static void forgetTheTemplatesDirectory() {
        System.clearProperty("notify.email.templates-dir");
    }

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
            Path dir = Files.createTempDirectory("digest-templates");
            Files.createDirectories(dir.resolve("plain"));
            Files.writeString(dir.resolve("plain/subject.ftl"), "${event.id}");
            Files.writeString(dir.resolve("plain/text.ftl"), "plain ${what}");
            Files.createDirectories(dir.resolve("activity-digest"));
            Files.writeString(dir.resolve("activity-digest/subject.ftl"), "${digest.count} updates");
            Files.writeString(dir.resolve("activity-digest/text.ftl"), "<#list items as i>[${i.id}:${i.params.what}]</#list>");
            // the default digest template of the type without its own
            Files.createDirectories(dir.resolve("digest"));
            Files.writeString(dir.resolve("digest/subject.ftl"), "daily ${digest.count}");
            Files.writeString(dir.resolve("digest/text.ftl"), "<#list items as i>[${i.id}]</#list>");
            return dir;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String event(String id, String type, String address, String what) {
        return """
                {"specversion":"1.0","id":"%s","source":"/digest-test","type":"%s","data":{
                  "recipient":{"email":"%s"},"channels":["email"],"template":"plain","params":{"what":"%s"}}}
                """.formatted(id, type, address, what);
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
        return TestKafka.read(STATUS, r -> isStatusFor(r, id) && status.equals(statusData(r).path("status").asText()),
                expected, WAIT, Duration.ZERO);
    }

    static void awaitDigested(List<String> ids) {
        for (String id : ids) {
            assertThat(statuses(id, "digested", 1)).as("digested status of " + id).hasSize(1);
        }
    }

    /** Each item delivered once, pointing at the digest's message id; returns that message id. */
    static String assertDeliveredIn(List<String> ids, MimeMessage mail) throws Exception {
        for (String id : ids) {
            List<ConsumerRecord<String, byte[]>> delivered = statuses(id, "delivered", 1);
            assertThat(delivered).as("delivered status of " + id).hasSize(1);
            assertThat(statusData(delivered.get(0)).path("messageId").asText()).isEqualTo(mail.getMessageID());
            assertThat(statusData(delivered.get(0)).path("digestId").asText()).startsWith("digest-");
        }
        return mail.getMessageID();
    }

    @Test
    void itemsOfOneRecipientWithinTheWindowGoOutAsOneDigestPerRecipient() throws Exception {
        String run = TestKafka.uniqueName("w");
        String ann = "ann-" + run + "@example.com";
        String bob = "bob-" + run + "@example.com";
        List<String> annItems = List.of(run + "-a1", run + "-a2", run + "-a3");
        List<String> bobItems = List.of(run + "-b1", run + "-b2");
        for (int i = 0; i < annItems.size(); i++) {
            TestKafka.publish(EVENTS, ann, event(annItems.get(i), "com.example.activity", ann, "ann" + i));
            NOW.addAndGet(60_000); // a minute apart, well inside the window
        }
        for (int i = 0; i < bobItems.size(); i++) {
            TestKafka.publish(EVENTS, bob, event(bobItems.get(i), "com.example.activity", bob, "bob" + i));
        }
        // a type without a digest goes out on its own, at once
        TestKafka.publish(EVENTS, ann, event(run + "-plain", "com.example.plain", ann, "now"));
        awaitDigested(annItems);
        awaitDigested(bobItems);
        Awaitility.await().atMost(WAIT).until(() -> mailTo(ann).size() == 1);
        assertThat(mailTo(ann).get(0).getSubject()).isEqualTo(run + "-plain");
        assertThat(mailTo(bob)).as("nothing before the window closes").isEmpty();

        NOW.addAndGet(Duration.ofMinutes(31).toMillis());
        Awaitility.await().atMost(WAIT).until(() -> mailTo(ann).size() == 2 && mailTo(bob).size() == 1);
        MimeMessage annDigest = mailTo(ann).stream().filter(m -> subject(m).equals("3 updates")).findFirst().orElseThrow();
        assertThat(annDigest.getContent().toString().strip())
                .isEqualTo("[" + run + "-a1:ann0][" + run + "-a2:ann1][" + run + "-a3:ann2]");
        MimeMessage bobDigest = mailTo(bob).get(0);
        assertThat(bobDigest.getSubject()).isEqualTo("2 updates");
        assertThat(bobDigest.getContent().toString()).contains(run + "-b1:bob0").contains(run + "-b2:bob1");
        String annId = assertDeliveredIn(annItems, annDigest);
        String bobId = assertDeliveredIn(bobItems, bobDigest);
        assertThat(annId).isNotEqualTo(bobId);
        assertThat(statuses(run + "-plain", "digested", 0)).isEmpty();
        // no second digest later
        Thread.sleep(1_000);
        assertThat(mailTo(ann)).hasSize(2);
        assertThat(mailTo(bob)).hasSize(1);
    }

    @Test
    void aRestartOfTheCollectorWhileAWindowIsOpenLosesNothingAndSendsOneDigest() throws Exception {
        String run = TestKafka.uniqueName("r");
        String cid = "cid-" + run + "@example.com";
        List<String> items = List.of(run + "-1", run + "-2", run + "-3");
        TestKafka.publish(EVENTS, cid, event(items.get(0), "com.example.activity", cid, "one"));
        TestKafka.publish(EVENTS, cid, event(items.get(1), "com.example.activity", cid, "two"));
        awaitDigested(items.subList(0, 2));
        // the window is open in the collector's memory (and its items uncommitted) when it stops
        Awaitility.await().atMost(WAIT).until(() -> collector.getPendingItems() >= 2);
        collector.stop();
        TestKafka.publish(EVENTS, cid, event(items.get(2), "com.example.activity", cid, "three"));
        awaitDigested(items.subList(2, 3));
        collector.start();

        NOW.addAndGet(Duration.ofMinutes(31).toMillis());
        Awaitility.await().atMost(WAIT).until(() -> mailTo(cid).size() == 1);
        MimeMessage digest = mailTo(cid).get(0);
        assertThat(digest.getSubject()).isEqualTo("3 updates");
        assertThat(digest.getContent().toString().strip())
                .isEqualTo("[" + run + "-1:one][" + run + "-2:two][" + run + "-3:three]");
        assertDeliveredIn(items, digest);
        Thread.sleep(1_000);
        assertThat(mailTo(cid)).hasSize(1);
    }

    @Test
    void aDailyUntilWindowClosesAtThatTimeInTheRecipientsZone() throws Exception {
        String run = TestKafka.uniqueName("d");
        String dee = "dee-" + run + "@example.com";
        // tomorrow 07:30 UTC (the default zone): the window closes at 08:00
        long morning = LocalDate.ofInstant(Instant.ofEpochMilli(NOW.get()), ZoneOffset.UTC).plusDays(1)
                .atTime(7, 30).toInstant(ZoneOffset.UTC).toEpochMilli();
        NOW.set(morning);
        List<String> items = List.of(run + "-1", run + "-2");
        for (String id : items) {
            TestKafka.publish(EVENTS, dee, event(id, "com.example.daily", dee, id));
        }
        awaitDigested(items);
        NOW.set(morning + Duration.ofMinutes(29).toMillis()); // 07:59
        Thread.sleep(1_500);
        assertThat(mailTo(dee)).as("not before 08:00").isEmpty();
        NOW.set(morning + Duration.ofMinutes(30).toMillis()); // 08:00
        Awaitility.await().atMost(WAIT).until(() -> mailTo(dee).size() == 1);
        MimeMessage digest = mailTo(dee).get(0);
        assertThat(digest.getSubject()).isEqualTo("daily 2");
        assertThat(digest.getContent().toString().strip()).isEqualTo("[" + run + "-1][" + run + "-2]");
        assertDeliveredIn(items, digest);
    }

    private static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (Exception e) {
            return "";
        }
    }
}
