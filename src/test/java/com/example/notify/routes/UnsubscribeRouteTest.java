package com.example.notify.routes;

import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.preferences.RecipientKeys;
import com.example.notify.preferences.SuppressionList;
import com.example.notify.preferences.UnsubscribeTokens;
import com.example.notify.support.FreePort;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One-click unsubscribe end to end: a bulk email's own List-Unsubscribe link from GreenMail, posted to the
 * bundle's HTTP server, through the real suppressions topic on the embedded broker back into the suppression list
 * that decides the next event.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=unsub.events",
            "notify.kafka.topic.status=unsub.status",
            "notify.kafka.topic.dlq=unsub.dlq",
            "notify.kafka.topic.suppressions=unsub.suppressions",
            "notify.kafka.group-id=unsub-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=1000",
            "camel.server.host=127.0.0.1",
            "notify.email.unsubscribe-base-url=https://mail.example.com/unsubscribe",
            "notify.email.type.com.example.newsletter.bulk=true",
            "notify.email.type.com.example.offers.bulk=true",
            "notify.email.type.com.example.digest.daily.bulk=true",
            "notify.email.type.com.example.digest.daily.category=digest",
            "notify.email.type.com.example.digest.weekly.bulk=true",
            "notify.email.type.com.example.digest.weekly.category=digest",
            // a transactional type in the same list as a bulk one: the bulk one's unsubscribe must not stop it
            "notify.email.type.com.example.security.login.category=com.example.newsletter",
            // bulk and transactional at once: a link that could stop nothing is a configuration error
            "notify.email.type.com.example.security.alert.bulk=true",
            "notify.unsubscribe.secret=" + UnsubscribeRouteTest.KEYS,
            "notify.unsubscribe.per-second=20"
        })
class UnsubscribeRouteTest {

    static final String KEYS = "r1:dW5zdWJzY3JpYmUtcm91dGUtdGVzdC1rZXktMDAwMSE=";
    static final String EVENTS = "unsub.events";
    static final String STATUS = "unsub.status";
    static final String SUPPRESSIONS = "unsub.suppressions";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Duration SETTLE = Duration.ofSeconds(1);
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Pattern LINK = Pattern.compile("<https://mail\\.example\\.com/unsubscribe/([A-Za-z0-9_-]+)>");
    static final int PORT;

    static {
        PORT = FreePort.next();
        System.setProperty("camel.server.port", String.valueOf(PORT));
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestKafka.createTopics(List.of(EVENTS, STATUS, "unsub.dlq"), Set.of());
        TestKafka.createTopics(List.of(SUPPRESSIONS), Set.of(SUPPRESSIONS));
    }

    @BeanInject
    CamelContext context;

    private SuppressionList suppressions() {
        return context.getRegistry().lookupByNameAndType("suppressionList", SuppressionList.class);
    }

    private static String publish(String email, String type) {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, email, """
                {"specversion":"1.0","id":"%s","source":"/test","type":"%s","data":{
                  "recipient":{"email":"%s"},"channels":["email"],"template":"welcome"}}""".formatted(id, type, email));
        return id;
    }

    private static List<ConsumerRecord<String, byte[]>> statuses(String eventId) {
        return TestKafka.read(STATUS, r -> isStatusFor(r, eventId), 1, WAIT, SETTLE);
    }

    private static String outcome(String eventId) {
        ConsumerRecord<String, byte[]> status = statuses(eventId).get(0);
        return statusData(status).path("status").asText() + statusData(status).path("reason").asText("").replaceAll("^(.+)$", "/$1");
    }

    /** The token of the List-Unsubscribe link of the email this event produced. */
    private static String deliveredToken(String eventId) throws Exception {
        String messageId = statusData(statuses(eventId).get(0)).path("providerMessageId").asText();
        Awaitility.await().atMost(WAIT).until(() -> TestSmtp.received(messageId).size() == 1);
        MimeMessage mail = TestSmtp.received(messageId).get(0);
        Matcher link = LINK.matcher(mail.getHeader("List-Unsubscribe")[0]);
        assertThat(link.matches()).isTrue();
        return link.group(1);
    }

    private static HttpResponse<String> post(String token, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/unsubscribe/" + token))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/unsubscribe/" + token))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String token(String keys, Instant issued, String email, String list) {
        return new UnsubscribeTokens(keys, Duration.ofDays(90), Clock.fixed(issued, ZoneOffset.UTC))
                .issue(RecipientKeys.addressHash(email), list);
    }

    @Test
    void oneClickUnsubscribeSkipsThatListsNextEmailButNotTransactionalMailOrOtherLists() throws Exception {
        String alice = "alice.unsub@example.com";
        String first = publish(alice, "com.example.newsletter");
        assertThat(outcome(first)).isEqualTo("delivered");
        String token = deliveredToken(first);

        HttpResponse<String> page = get(token);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<form method=\"post\"").contains("name=\"List-Unsubscribe\" value=\"One-Click\"")
                .doesNotContain(token);
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(TestKafka.read(SUPPRESSIONS, r -> r.key().startsWith(RecipientKeys.addressHash(alice)), 1,
                Duration.ofSeconds(3), Duration.ZERO)).as("a GET publishes nothing").isEmpty();
        assertThat(suppressions().unsubscribedFrom(alice, "com.example.newsletter")).as("a GET changes nothing").isFalse();

        HttpResponse<String> done = post(token, "List-Unsubscribe=One-Click");
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body()).doesNotContain(token);
        Awaitility.await().atMost(WAIT).until(() -> suppressions().unsubscribedFrom(alice, "com.example.newsletter"));
        assertThat(post(token, "List-Unsubscribe=One-Click").statusCode()).as("idempotent").isEqualTo(200);
        List<ConsumerRecord<String, byte[]>> records = TestKafka.read(SUPPRESSIONS,
                r -> r.key().startsWith(RecipientKeys.addressHash(alice)), 2, WAIT, SETTLE);
        assertThat(records).as("one record per POST, the same both times").hasSize(2);
        assertThat(records.get(1).key()).isEqualTo(records.get(0).key());
        assertThat(records.get(1).value()).isEqualTo(records.get(0).value());
        assertThat(records).allSatisfy(r -> {
            assertThat(r.key()).isEqualTo(RecipientKeys.addressHash(alice) + ":com.example.newsletter");
            assertThat(new String(r.value())).contains("\"reason\":\"unsubscribe\"").doesNotContain("alice");
            r.headers().forEach(h -> assertThat(new String(h.value())).doesNotContain(token));
        });

        assertThat(outcome(publish(alice, "com.example.newsletter"))).isEqualTo("skipped/suppressed-unsubscribe");
        assertThat(outcome(publish(alice, "com.example.security.login"))).as("transactional, in the same list").isEqualTo("delivered");
        assertThat(outcome(publish(alice, "com.example.offers"))).as("another list").isEqualTo("delivered");
    }

    @Test
    void forgedExpiredGarbageAndNonOneClickRequestsAre400AndChangeNothing() throws Exception {
        String bob = "bob.unsub@example.com";
        String forged = token("r1:" + Base64.getEncoder().encodeToString("a-forgers-guess-at-the-key-000000".getBytes()),
                Instant.now(), bob, "com.example.newsletter");
        String expired = token(KEYS, Instant.now().minus(Duration.ofDays(101)), bob, "com.example.newsletter");
        String valid = token(KEYS, Instant.now(), bob, "com.example.newsletter");
        int before = suppressions().size();
        for (String bad : List.of(forged, expired, "bob.unsub%40example.com", "A".repeat(600))) {
            HttpResponse<String> response = post(bad, "List-Unsubscribe=One-Click");
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains("invalid or has expired").doesNotContain(bad).doesNotContain("bob");
            assertThat(get(bad).statusCode()).isEqualTo(400);
        }
        assertThat(post(valid, "List-Unsubscribe=Yes-Please").statusCode()).as("not the one-click form").isEqualTo(400);
        Thread.sleep(2_000);
        assertThat(suppressions().size()).isEqualTo(before);
        assertThat(suppressions().unsubscribedFrom(bob, "com.example.newsletter")).isFalse();
        assertThat(outcome(publish(bob, "com.example.newsletter"))).isEqualTo("delivered");
    }

    @Test
    void typesSharingACategoryAreOneListForListIdAndUnsubscribe() throws Exception {
        String dave = "dave.unsub@example.com";
        String weekly = publish(dave, "com.example.digest.weekly");
        assertThat(outcome(weekly)).isEqualTo("delivered");
        String messageId = statusData(statuses(weekly).get(0)).path("providerMessageId").asText();
        Awaitility.await().atMost(WAIT).until(() -> TestSmtp.received(messageId).size() == 1);
        assertThat(TestSmtp.received(messageId).get(0).getHeader("List-Id")).containsExactly("<digest.example.com>");

        assertThat(post(deliveredToken(weekly), "List-Unsubscribe=One-Click").statusCode()).isEqualTo(200);
        Awaitility.await().atMost(WAIT).until(() -> suppressions().unsubscribedFrom(dave, "digest"));
        assertThat(outcome(publish(dave, "com.example.digest.daily"))).isEqualTo("skipped/suppressed-unsubscribe");
    }

    @Test
    void oversizedBodyIs413AndChangesNothing() throws Exception {
        String carol = "carol.unsub@example.com";
        String valid = token(KEYS, Instant.now(), carol, "com.example.newsletter");
        HttpResponse<String> response = post(valid, "List-Unsubscribe=One-Click&pad=" + "x".repeat(2_000));
        assertThat(response.statusCode()).isEqualTo(413);
        Thread.sleep(1_500);
        assertThat(suppressions().unsubscribedFrom(carol, "com.example.newsletter")).isFalse();
    }

    @Test
    void verifiedPostsBeyondTheRateLimitGet429WithRetryAfterWhileForgedOnesCountForNothing() throws Exception {
        Thread.sleep(1_100);
        List<CompletableFuture<HttpResponse<String>>> garbage = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            garbage.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/unsubscribe/garbage" + i))
                    .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click"))
                    .header("Content-Type", "application/x-www-form-urlencoded").build(), HttpResponse.BodyHandlers.ofString()));
        }
        assertThat(garbage.stream().map(f -> f.join().statusCode()).toList()).as("forged links are not throttled").containsOnly(400);
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String token = token(KEYS, Instant.now(), "burst" + i + ".unsub@example.com", "com.example.offers");
            burst.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/unsubscribe/" + token))
                    .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click"))
                    .header("Content-Type", "application/x-www-form-urlencoded").build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> answers = burst.stream().map(CompletableFuture::join).toList();
        assertThat(answers).extracting(HttpResponse::statusCode).contains(429).contains(200).containsOnly(200, 429);
        assertThat(answers.stream().filter(a -> a.statusCode() == 429)).allSatisfy(a ->
                assertThat(a.headers().firstValue("Retry-After")).hasValue("1"));
        Thread.sleep(1_100); // the next test's requests start with a fresh period
    }

    @Test
    void aTypeBothBulkAndTransactionalIsDeadLetteredNotSentWithALinkThatStopsNothing() {
        String id = publish("erin.unsub@example.com", "com.example.security.alert");
        assertThat(outcome(id)).isEqualTo("dead-lettered/unsubscribe-not-configured");
    }
}
