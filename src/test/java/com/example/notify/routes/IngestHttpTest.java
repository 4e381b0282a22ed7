package com.example.notify.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.FreePort;
import com.example.notify.support.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** POST /events on the bundle's HTTP server, publishing to a real broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=ingest.events",
            "notify.kafka.topic.status=ingest.status",
            "notify.kafka.topic.dlq=ingest.dlq",
            "notify.kafka.group-id=ingest-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.ingest.tokens=old-token:/shop, s3cret-token:/shop|/billing, shop-token:/shop|/shop/*:com.example.order.*",
            // the consumer of this context reads what ingest publishes: a contact id is looked up (file, quick answer)
            "notify.contacts.directory=fileContacts",
            "notify.contacts.file=examples/contacts.json",
            "notify.event.max-bytes=4096",
            "camel.server.host=127.0.0.1"
        })
class IngestHttpTest {

    static final String EVENTS = "ingest.events";
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();
    static final int PORT;

    static {
        PORT = FreePort.next();
        System.setProperty("camel.server.port", String.valueOf(PORT));
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        TestKafka.createTopics(List.of(EVENTS, "ingest.status", "ingest.dlq"), Set.of());
    }

    private static HttpResponse<String> post(String token, String contentType, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/events"))
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String event(String id) {
        return """
                {"specversion":"1.0","id":"%s","source":"/shop","type":"com.example.order.shipped","time":"2026-11-24T10:00:00Z",
                 "data":{"recipient":{"contactId":"c-77","email":"ship@example.com"},"channels":["email"],"template":"welcome"}}""".formatted(id);
    }

    private static List<ConsumerRecord<String, byte[]>> published(String id, int expected) {
        return TestKafka.read(EVENTS, r -> new String(r.value()).contains(id), expected, Duration.ofSeconds(expected == 0 ? 2 : 20),
                Duration.ofMillis(500));
    }

    @Test
    void validEventIsPublishedUnchangedKeyedByContactWith202() throws Exception {
        String id = UUID.randomUUID().toString();
        String body = event(id);
        HttpResponse<String> response = post("s3cret-token", "application/cloudevents+json", body);

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.path("status").asText()).isEqualTo("accepted");
        assertThat(answer.path("id").asText()).isEqualTo(id);
        List<ConsumerRecord<String, byte[]>> records = published(id, 1);
        assertThat(records).hasSize(1);
        assertThat(new String(records.get(0).value())).isEqualTo(body);
        assertThat(records.get(0).key()).isEqualTo("c-77");
        records.get(0).headers().forEach(h -> assertThat(new String(h.value())).doesNotContain("s3cret-token"));
        // the other configured token (rotation) works too
        assertThat(post("old-token", "application/json", event(UUID.randomUUID().toString())).statusCode()).isEqualTo(202);
    }

    @Test
    void invalidEventsAre400WithTheReasonsAndNotPublished() throws Exception {
        HttpResponse<String> malformed = post("s3cret-token", "application/json", "{\"specversion\":\"1.0\",");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(malformed.body()).path("reason").asText()).isEqualTo("malformed-json");

        String id = UUID.randomUUID().toString();
        HttpResponse<String> noChannels = post("s3cret-token", "application/json", event(id).replace("\"channels\":[\"email\"],", ""));
        assertThat(noChannels.statusCode()).isEqualTo(400);
        JsonNode answer = JSON.readTree(noChannels.body());
        assertThat(answer.path("reason").asText()).isEqualTo("schema-violation");
        assertThat(answer.path("problems").toString()).contains("channels");
        assertThat(published(id, 0)).isEmpty();
    }

    @Test
    void aScopedTokenSendsOnlyItsSourcesAndTypes() throws Exception {
        String id = UUID.randomUUID().toString();
        assertThat(post("shop-token", "application/json", event(id)).statusCode()).isEqualTo(202);
        String other = UUID.randomUUID().toString();
        HttpResponse<String> billing = post("shop-token", "application/json", event(other).replace("\"/shop\"", "\"/billing\""));
        assertThat(billing.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(billing.body()).path("reason").asText()).isEqualTo("source-not-allowed");
        HttpResponse<String> security = post("shop-token", "application/json",
                event(other).replace("com.example.order.shipped", "com.example.security.login"));
        assertThat(security.statusCode()).as("a type that would bypass opt-outs").isEqualTo(403);
        assertThat(JSON.readTree(security.body()).path("reason").asText()).isEqualTo("type-not-allowed");
        assertThat(published(other, 0)).isEmpty();
        assertThat(post("s3cret-token", "application/json", event(other).replace("\"/shop\"", "\"/billing\"")).statusCode())
                .as("a token scoped to two sources sends either, any type").isEqualTo(202);
    }

    @Test
    void withoutAValidTokenNothingGetsIn() throws Exception {
        String id = UUID.randomUUID().toString();
        for (String token : new String[] {null, "wrong", "s3cret-token-but-longer", ""}) {
            HttpResponse<String> response = post(token, "application/json", event(id));
            assertThat(response.statusCode()).as("token %s", token).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        }
        assertThat(published(id, 0)).isEmpty();
    }

    @Test
    void bodyLimitMediaTypeAndMethodAreEnforced() throws Exception {
        String id = UUID.randomUUID().toString();
        String padded = event(id).replace("\"template\":\"welcome\"", "\"template\":\"welcome\",\"params\":{\"pad\":\"" + "x".repeat(5000) + "\"}");
        assertThat(post("s3cret-token", "application/json", padded).statusCode()).isEqualTo(413);
        assertThat(post("s3cret-token", "text/plain", event(id)).statusCode()).isEqualTo(415);
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/events"))
                .header("Authorization", "Bearer s3cret-token").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(published(id, 0)).isEmpty();
    }

    /** The properties above are JVM-wide: later test classes in this JVM must not inherit them. */
    @AfterAll
    static void clearSystemProperties() {
        System.clearProperty("camel.server.port");
    }
}
