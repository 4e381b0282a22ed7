package com.example.notify.routes;

import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.FreePort;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The operator's replay against a real broker: a webhook that was down gets its dead letter replayed once it is
 * back; the email of the same event is not sent twice; a dry run lists without publishing; a second replay
 * publishes nothing; no token, no replay.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=replay.events",
            "notify.kafka.topic.status=replay.status",
            "notify.kafka.topic.dlq=replay.dlq",
            "notify.kafka.topic.suppressions=replay.suppressions",
            "notify.kafka.group-id=replay-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.retry.max-redeliveries=1",
            "notify.retry.initial-delay-ms=50",
            "notify.retry.channel.in-place-redeliveries=1",
            "notify.retry.channel.initial-delay-ms=50",
            // the webhook waits on a (1 s) retry tier before its horizon runs out: its dead letter comes from
            // retry-later with the stage's headers (channel, contact, attempts, retry rounds), as in production
            "notify.retry.tiers=1s",
            "notify.webhook.retry-horizon=2s",
            "notify.email.retry-horizon=0s",
            "notify.replay.tokens=ops-token",
            "notify.replay.hmac-key=test-replay-key",
            "notify.webhook.allowed-urls=http://127\\.0\\.0\\.1:[0-9]+/hooks/.*",
            "camel.server.host=127.0.0.1",
            "notify.admin.host=127.0.0.1"
        })
class ReplayDeadLettersTest {

    static final String EVENTS = "replay.events";
    static final String STATUS = "replay.status";
    static final String DLQ = "replay.dlq";
    static final String SUPPRESSIONS = "replay.suppressions";
    static final Duration WAIT = Duration.ofSeconds(60); // an upper bound: the first test also waits for every stage's group to join
    static final ObjectMapper JSON = new ObjectMapper();
    static final WireMockServer HOOK = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final int PORT;
    static final int ADMIN_PORT;

    static {
        HOOK.start();
        PORT = FreePort.next();
        ADMIN_PORT = FreePort.next();
        System.setProperty("camel.server.port", String.valueOf(PORT));
        System.setProperty("notify.admin.port", String.valueOf(ADMIN_PORT));
        System.setProperty("notify.webhook.url", "http://127.0.0.1:" + HOOK.port() + "/hooks/ops");
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestKafka.createTopics(List.of(EVENTS, STATUS, DLQ, SUPPRESSIONS), Set.of(SUPPRESSIONS));
    }

    @AfterAll
    static void clearSystemProperties() {
        System.clearProperty("camel.server.port");
        System.clearProperty("notify.admin.port");
        System.clearProperty("notify.webhook.url");
        HOOK.stop();
    }

    private static HttpResponse<String> replay(String token, String query) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ADMIN_PORT + "/admin/replay-dead-letters?" + query))
                .timeout(Duration.ofSeconds(90)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static final HttpClient HTTP = HttpClient.newHttpClient();

    private static List<ConsumerRecord<String, byte[]>> statuses(String id, String status, int expected) {
        return TestKafka.read(STATUS, r -> isStatusFor(r, id) && status.equals(statusData(r).path("status").asText()), expected,
                WAIT, Duration.ofMillis(500));
    }

    @Test
    void aDeadLetteredChannelIsReplayedOnceAndTheDeliveredOneIsNotSentAgain() throws Exception {
        HOOK.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503)));
        String id = UUID.randomUUID().toString();
        Instant before = Instant.now().minusSeconds(1);
        TestKafka.publish(EVENTS, "k-" + id, """
                {"specversion":"1.0","id":"%s","source":"/ops","type":"com.example.account.created",
                 "data":{"recipient":{"email":"ops-%s@example.com","name":"Ops"},"channels":["email","webhook"],"template":"welcome"}}
                """.formatted(id, id.substring(0, 8)));
        assertThat(statuses(id, "delivered", 1)).hasSize(1);
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.read(DLQ, r -> id.equals(header(r, "notify-dlq-event-id")), 1, WAIT,
                Duration.ZERO);
        assertThat(header(dead.get(0), "notify-dlq-reason")).isEqualTo("webhook-unavailable");
        assertThat(header(dead.get(0), "notify-channel")).isEqualTo("webhook");
        assertThat(header(dead.get(0), "notify-retry-rounds")).as("it waited on a retry tier first").isNotNull();
        assertThat(Integer.parseInt(header(dead.get(0), "notify-attempts"))).isGreaterThan(1);
        String query = "reason=webhook-unavailable&eventId=" + id + "&from=" + before;

        // dry run: listed, nothing published
        JsonNode dry = JSON.readTree(replay("ops-token", query).body());
        assertThat(dry.path("dryRun").asBoolean()).isTrue();
        assertThat(dry.path("selected").asInt()).isEqualTo(1);
        assertThat(dry.path("deadLetters").get(0).path("action").asText()).isEqualTo("would-replay");
        assertThat(dry.path("deadLetters").get(0).path("channel").asText()).isEqualTo("webhook");
        assertThat(TestKafka.read(EVENTS, r -> r.headers().lastHeader("notify-replay-of") != null
                && new String(r.value()).contains(id), 0, Duration.ofSeconds(2), Duration.ZERO)).isEmpty();

        // the webhook is back: replay
        HOOK.resetAll();
        HOOK.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("ok")));
        HttpResponse<String> response = replay("ops-token", query + "&dryRun=false");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode done = JSON.readTree(response.body());
        assertThat(done.path("replayed").asInt()).isEqualTo(1);
        assertThat(done.path("deadLetters").get(0).path("action").asText()).isEqualTo("replayed");
        // the replay starts over at ingest: none of the stages' headers nor the dead letter's come along, or the
        // new attempt would count the old attempts and tier rounds (and carry a stale channel and contact)
        List<ConsumerRecord<String, byte[]>> replayed = TestKafka.read(EVENTS, r -> r.headers().lastHeader("notify-replay-of") != null
                && new String(r.value()).contains(id), 1, WAIT, Duration.ZERO);
        assertThat(replayed).hasSize(1);
        assertThat(replayed.get(0).key()).isEqualTo("k-" + id);
        assertThat(replayed.get(0).headers()).extracting(h -> h.key())
                .noneMatch(k -> k.matches("notify-(channel|contact|attempts|retry-.*|dlq-.*)"));

        assertThat(statuses(id, "delivered", 2)).extracting(r -> statusData(r).path("channel").asText())
                .containsExactlyInAnyOrder("email", "webhook");
        assertThat(TestKafka.read(STATUS, r -> isStatusFor(r, id) && "already-sent".equals(statusData(r).path("reason").asText()),
                1, WAIT, Duration.ZERO)).extracting(r -> statusData(r).path("channel").asText()).containsExactly("email");
        assertThat(HOOK.getAllServeEvents()).hasSize(1);
        long mails = List.of(TestSmtp.server().getReceivedMessages()).stream().filter(m -> {
            try {
                return m.getAllRecipients()[0].toString().contains("ops-" + id.substring(0, 8));
            } catch (Exception e) {
                return false;
            }
        }).count();
        assertThat(mails).as("the email of the replayed event went out once").isEqualTo(1);

        // the same selection again: already replayed, nothing published
        JsonNode again = JSON.readTree(replay("ops-token", query + "&dryRun=false").body());
        assertThat(again.path("replayed").asInt()).isZero();
        assertThat(again.path("deadLetters").get(0).path("action").asText()).isEqualTo("already-replayed");
        assertThat(TestKafka.read(EVENTS, r -> r.headers().lastHeader("notify-replay-of") != null
                && new String(r.value()).contains(id), 1, Duration.ofSeconds(3), Duration.ofSeconds(1))).hasSize(1);
    }

    @Test
    void noTokenNoReplayAndABadTimeIsA400() throws Exception {
        assertThat(replay(null, "reason=x").statusCode()).isEqualTo(401);
        assertThat(replay("wrong", "reason=x").statusCode()).isEqualTo(401);
        HttpResponse<String> bad = replay("ops-token", "from=yesterday");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("ISO-8601");
    }

    @Test
    void aProducerCannotMarkItsRecordAsAReplayToSkipDedupe() throws Exception {
        String id = UUID.randomUUID().toString();
        String event = """
                {"specversion":"1.0","id":"%s","source":"/forge","type":"com.example.account.created",
                 "data":{"recipient":{"email":"forge-%s@example.com"},"channels":["email"],"template":"welcome"}}
                """.formatted(id, id.substring(0, 8));
        TestKafka.publish(EVENTS, "k-" + id, event.getBytes(), Map.of());
        assertThat(statuses(id, "delivered", 1)).hasSize(1);
        // a forged mark, with and without a made-up signature, and a forged attempt count
        TestKafka.publish(EVENTS, "k-" + id, event.getBytes(), Map.of("notify-replay-of", "0@1"));
        TestKafka.publish(EVENTS, "k-" + id, event.getBytes(), Map.of("notify-replay-of", "0@2",
                "notify-replay-sig", "0".repeat(64), "notify-attempts", "99"));
        // a marker event after them: once it is delivered, the forged ones were consumed (same key, same partition)
        String marker = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "k-" + id, event.replace(id, marker).getBytes(), Map.of());
        assertThat(statuses(marker, "delivered", 1)).hasSize(1);
        assertThat(TestKafka.read(STATUS, r -> isStatusFor(r, id), 1, Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .as("only the first one went anywhere: the others were duplicates").hasSize(1);
    }

    @Test
    void theIngestPortServesNoAdminEndpoint() throws Exception {
        HttpResponse<String> onIngest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + PORT + "/admin/replay-dead-letters?reason=x"))
                .header("Authorization", "Bearer ops-token").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(onIngest.statusCode()).as("replay is not on the port producers reach").isEqualTo(404);
        assertThat(replay("ops-token", "reason=x").statusCode()).as("it is on the admin port").isEqualTo(200);
    }

    @Test
    void anErasedRecipientIsNotReplayedNorSentToAndOnlyItsHashIsKept() throws Exception {
        HOOK.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503)));
        String id = UUID.randomUUID().toString();
        String address = "Erase-" + id.substring(0, 8) + "@Example.com";
        TestKafka.publish(EVENTS, "k-" + id, """
                {"specversion":"1.0","id":"%s","source":"/ops","type":"com.example.account.created",
                 "data":{"recipient":{"email":"%s"},"channels":["webhook"],"template":"welcome"}}
                """.formatted(id, address));
        assertThat(TestKafka.read(DLQ, r -> id.equals(header(r, "notify-dlq-event-id")), 1, WAIT, Duration.ZERO)).hasSize(1);
        // someone else's record on the same topics is left alone
        String other = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "k-" + other, """
                {"specversion":"1.0","id":"%s","source":"/ops","type":"com.example.account.created",
                 "data":{"recipient":{"email":"keep-%s@example.com"},"channels":["email"],"template":"welcome"}}
                """.formatted(other, other.substring(0, 8)));
        // a suppression an operator once keyed by the address in clear
        TestKafka.publish(SUPPRESSIONS, address.toLowerCase(), "{\"reason\":\"unsubscribe\"}");

        var client = com.example.notify.kafka.KafkaClientProperties.fromEnvironment(TestKafka.bootstrapServers());
        var person = new com.example.notify.preferences.RecordRecipients.Person(address.toUpperCase(), null);
        JsonNode dry = com.example.notify.tools.EraseRecipient.erase(client, person, "replay.", SUPPRESSIONS, true);
        assertThat(TestKafka.read(SUPPRESSIONS, r -> r.value() != null && new String(r.value()).contains("erased"), 0,
                Duration.ofSeconds(2), Duration.ZERO)).as("a dry run writes nothing").isEmpty();
        JsonNode report = com.example.notify.tools.EraseRecipient.erase(client, person, "replay.", SUPPRESSIONS, false);
        String hash = com.example.notify.preferences.RecipientKeys.addressHash(address);
        assertThat(report.toString()).as("no address in clear").doesNotContain("@");
        assertThat(report.path("topics")).as("the dry run found the same").isEqualTo(dry.path("topics"));
        assertThat(report.path("suppressedAddressHashes")).extracting(JsonNode::asText).containsExactly(hash);
        Map<String, JsonNode> byTopic = new java.util.HashMap<>();
        report.path("topics").forEach(t -> byTopic.put(t.path("topic").asText(), t));
        assertThat(byTopic.get(EVENTS).path("records").asInt()).as("the event, not the other one").isEqualTo(1);
        assertThat(byTopic.get(DLQ).path("records").asInt()).isEqualTo(1);
        assertThat(byTopic.get(DLQ).path("expiresBy").asText()).matches("\\d{4}-.*Z");
        assertThat(byTopic.get(SUPPRESSIONS).path("tombstonedKeys").asInt()).as("the clear-address key").isEqualTo(1);
        List<ConsumerRecord<String, byte[]>> suppressions = TestKafka.read(SUPPRESSIONS, r -> true, 3, WAIT, Duration.ofSeconds(1));
        assertThat(suppressions).filteredOn(r -> r.key().contains("@")).extracting(r -> r.value())
                .as("the clear-address suppression: a tombstone follows it").containsExactly("{\"reason\":\"unsubscribe\"}".getBytes(), null);
        assertThat(suppressions).filteredOn(r -> r.key().equals(hash)).extracting(r -> new String(r.value()))
                .singleElement().asString().contains("\"reason\":\"erased\"");

        // the bundle follows the suppressions topic: its dead letter is no longer replayable ...
        org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            JsonNode listed = JSON.readTree(replay("ops-token", "eventId=" + id).body());
            assertThat(listed.path("deadLetters").get(0).path("action").asText()).isEqualTo("not-replayable-erased");
        });
        // ... a new event for the address is skipped at ingest ...
        String again = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, "k-" + again, """
                {"specversion":"1.0","id":"%s","source":"/ops","type":"com.example.account.created",
                 "data":{"recipient":{"email":"%s"},"channels":["email"],"template":"welcome"}}
                """.formatted(again, address.toLowerCase()));
        assertThat(statuses(again, "skipped", 1)).extracting(r -> statusData(r).path("reason").asText()).containsExactly("suppressed-erased");
        // ... and so is a delivery record staged before the erasure (waiting on its topic or a retry tier)
        String staged = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS + ".deliver.webhook", "k-" + staged, """
                {"specversion":"1.0","id":"%s","source":"/ops","type":"com.example.account.created",
                 "data":{"recipient":{"email":"%s"},"channels":["webhook"],"template":"welcome"}}
                """.formatted(staged, address).getBytes(), Map.of("notify-channel", "webhook"));
        assertThat(statuses(staged, "skipped", 1)).extracting(r -> statusData(r).path("reason").asText()).containsExactly("suppressed-erased");
    }
}
