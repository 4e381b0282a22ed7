package com.example.notify.routes;

import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The webhook channel (routes/deliver-webhook.camel.yaml, written in YAML only) end to end: events on a real
 * broker, WireMock as the receiving HTTP server (a Slack/Teams incoming webhook answers 200 "ok").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=webhook.events",
            "notify.kafka.topic.status=webhook.status",
            "notify.kafka.topic.dlq=webhook.dlq",
            "notify.kafka.group-id=webhook-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.contacts.directory=fileContacts",
            "notify.retry.initial-delay-ms=100",
            "notify.retry.max-redeliveries=4",
            "notify.retry.channel.in-place-redeliveries=4",
            "notify.retry.channel.initial-delay-ms=100",
            "notify.webhook.retry-horizon=0s",
            "notify.webhook.per-second=5",
            "notify.webhook.allowed-urls=http://127\\.0\\.0\\.1:[0-9]+/hooks/.*"
        })
class WebhookRouteTest {

    static final String EVENTS = "webhook.events";
    static final String STATUS = "webhook.status";
    static final String DLQ = "webhook.dlq";
    static final Duration WAIT = Duration.ofSeconds(60); // an upper bound: the first test also waits for every stage's group to join
    static final ObjectMapper JSON = new ObjectMapper();
    static final String OLD_SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString("an-old-secret-of-32-bytes-length".getBytes());
    static final String NEW_SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString("a-new-secret-of-32-bytes-length!".getBytes());
    static final String INVOICE_SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString("the-invoice-hook-s-own-secret-32".getBytes());
    static final WireMockServer RECEIVER = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));

    static {
        RECEIVER.start();
        String base = "http://127.0.0.1:" + RECEIVER.port() + "/hooks";
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.webhook.url.com.example.invoice.due", base + "/invoices");
        System.setProperty("notify.webhook.url.com.example.internal", "http://10.0.0.1/hooks/internal");
        System.setProperty("notify.webhook.url", base + "/default");
        System.setProperty("notify.webhook.signing-secrets", NEW_SECRET + " " + OLD_SECRET);
        System.setProperty("notify.webhook.signing-secrets.com.example.invoice.due", INVOICE_SECRET);
        try {
            Path contacts = Files.createTempFile("webhook-contacts", ".json");
            Files.writeString(contacts, """
                    {"contacts":[{"id":"c-hook","email":"ops@example.com","name":"Ops Team","locale":"en",
                                  "fields":{"webhookUrl":"%s/contact"}}]}
                    """.formatted(base));
            System.setProperty("notify.contacts.file", contacts.toString());
            // the repo's templates plus one that renders broken JSON
            Path templates = Files.createTempDirectory("webhook-templates");
            try (Stream<Path> files = Files.walk(Path.of("templates"))) {
                for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
                    Path target = templates.resolve(Path.of("templates").relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(f, target);
                    }
                }
            }
            Files.createDirectories(templates.resolve("broken"));
            Files.writeString(templates.resolve("broken/webhook.ftl"), "{\"text\": \"${note}\"");
            System.setProperty("notify.email.templates-dir", templates.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        TestKafka.createTopics(List.of(EVENTS, STATUS, DLQ), Set.of());
    }

    @BeanInject
    CamelContext context;

    @BeforeEach
    void acceptEverything() {
        RECEIVER.resetAll();
        RECEIVER.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("ok")));
    }

    private static String publish(String type, String template, String recipient, String params) {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, id, """
                {"specversion":"1.0","id":"%s","source":"/billing","type":"%s","time":"2026-11-24T10:00:00Z",
                 "data":{"recipient":%s,"channels":["webhook"],"template":"%s","locale":"de-AT","params":%s}}
                """.formatted(id, type, recipient, template, params));
        return id;
    }

    private static JsonNode terminalStatus(String id) {
        return statusData(TestKafka.read(STATUS, r -> isStatusFor(r, id)
                && Set.of("delivered", "skipped", "dead-lettered").contains(statusData(r).path("status").asText()),
                1, WAIT, Duration.ZERO).get(0));
    }

    private static List<ServeEvent> posts(String path) {
        return RECEIVER.getAllServeEvents().stream().filter(e -> e.getRequest().getUrl().equals(path)).toList();
    }

    @Test
    void typeWebhookGetsTheRenderedJsonOnceAndNothingElse() throws Exception {
        String hostile = "12.00\\\" , \\\"channel\\\": \\\"#general";
        String id = publish("com.example.invoice.due", "invoice-due",
                "{\"email\":\"jane.doe@example.com\",\"name\":\"Jane \\\"JD\\\" Doe\"}", "{\"amount\":\"" + hostile + "\"}");

        JsonNode status = terminalStatus(id);
        assertThat(status.path("status").asText()).isEqualTo("delivered");
        assertThat(status.path("provider").asText()).isEqualTo("webhook");
        List<ServeEvent> posts = posts("/hooks/invoices");
        assertThat(posts).hasSize(1);
        var request = posts.get(0).getRequest();
        assertThat(request.getMethod().getName()).isEqualTo("POST");
        assertThat(request.getHeader("Content-Type")).startsWith("application/json");
        assertThat(request.getAllHeaderKeys()).noneMatch(h -> h.toLowerCase().startsWith("kafka") || h.toLowerCase().startsWith("notify")
                || h.toLowerCase().startsWith("camel") || h.equalsIgnoreCase("traceparent"));
        // signed with the type's own secret, not the default ones: a receiver verifies it with Standard Webhooks' library
        assertThat(verifies(INVOICE_SECRET, request)).isTrue();
        assertThat(verifies(NEW_SECRET, request)).isFalse();
        JsonNode body = JSON.readTree(request.getBodyAsString());
        assertThat(body.fieldNames()).toIterable().containsExactly("text");
        assertThat(body.path("text").asText()).startsWith("Rechnung über 12.00\" , \"channel\": \"#general EUR ist fällig")
                .endsWith("(Jane \"JD\" Doe)").doesNotContain("jane.doe@example.com");

        // the same event again after the event-level key was lost (as after a crash before it was stored):
        // the channel's own key holds, the post is not repeated
        IdempotentRepository keys = context.getRegistry().lookupByNameAndType("memoryIdempotency", IdempotentRepository.class);
        assertThat(keys.remove("/billing\u001f" + id)).isTrue();
        TestKafka.publish(EVENTS, id, """
                {"specversion":"1.0","id":"%s","source":"/billing","type":"com.example.invoice.due",
                 "data":{"recipient":{"email":"jane.doe@example.com"},"channels":["webhook"],"template":"invoice-due","params":{"amount":"1"}}}
                """.formatted(id));
        assertThat(TestKafka.read(STATUS, r -> isStatusFor(r, id) && "already-sent".equals(statusData(r).path("reason").asText()),
                1, WAIT, Duration.ZERO)).hasSize(1);
        assertThat(posts("/hooks/invoices")).hasSize(1);
    }

    @Test
    void contactsOwnWebhookWinsOverTheTypeAndDefault() {
        String id = publish("com.example.invoice.due", "invoice-due", "{\"contactId\":\"c-hook\"}", "{\"amount\":\"5.00\"}");
        assertThat(terminalStatus(id).path("status").asText()).isEqualTo("delivered");
        assertThat(posts("/hooks/contact")).hasSize(1);
        assertThat(posts("/hooks/invoices")).isEmpty();
        assertThat(posts("/hooks/contact").get(0).getRequest().getBodyAsString()).contains("Ops Team");
        assertThat(verifies(NEW_SECRET, posts("/hooks/contact").get(0).getRequest())).as("a contact's URL: the default secrets").isTrue();
    }

    @Test
    void serverErrorsAreRetriedThenDelivered() {
        RECEIVER.stubFor(post(urlEqualTo("/hooks/default")).inScenario("busy").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("once"));
        RECEIVER.stubFor(post(urlEqualTo("/hooks/default")).inScenario("busy").whenScenarioStateIs("once")
                .willReturn(aResponse().withStatus(429)).willSetStateTo("ok"));
        RECEIVER.stubFor(post(urlEqualTo("/hooks/default")).inScenario("busy").whenScenarioStateIs("ok")
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        String id = publish("com.example.account.created", "welcome", "{\"email\":\"a@example.com\",\"name\":\"Ann\"}", "{}");

        assertThat(terminalStatus(id).path("status").asText()).isEqualTo("delivered");
        assertThat(posts("/hooks/default")).hasSize(3);
        // every attempt signed afresh, with both secrets of the rotation, under one webhook-id
        assertThat(posts("/hooks/default")).allSatisfy(post -> {
            assertThat(verifies(NEW_SECRET, post.getRequest())).isTrue();
            assertThat(verifies(OLD_SECRET, post.getRequest())).isTrue();
        });
        assertThat(posts("/hooks/default").stream().map(p -> p.getRequest().getHeader("webhook-id")).distinct()).hasSize(1);
        List<ConsumerRecord<String, byte[]>> failed = TestKafka.read(STATUS, r -> isStatusFor(r, id)
                && "failed".equals(statusData(r).path("status").asText()), 2, WAIT, Duration.ZERO);
        assertThat(failed).extracting(r -> statusData(r).path("reason").asText()).containsOnly("webhook-unavailable");
    }

    @Test
    void rejectedPostsAndForbiddenUrlsAreDeadLetteredAtOnceWithoutTheUrl() {
        RECEIVER.stubFor(post(urlEqualTo("/hooks/default")).willReturn(aResponse().withStatus(404).withBody("no_service")));
        String rejected = publish("com.example.account.created", "welcome", "{\"email\":\"b@example.com\"}", "{}");
        String internal = publish("com.example.internal", "welcome", "{\"email\":\"c@example.com\"}", "{}");
        String broken = publish("com.example.account.created", "broken", "{\"email\":\"d@example.com\"}", "{\"note\":\"x\"}");

        assertThat(reasonOf(rejected)).isEqualTo("webhook-rejected");
        assertThat(reasonOf(internal)).isEqualTo("webhook-url-not-allowed");
        assertThat(reasonOf(broken)).isEqualTo("webhook-body-invalid");
        assertThat(posts("/hooks/default")).hasSize(1);
        for (String id : List.of(rejected, internal, broken)) {
            ConsumerRecord<String, byte[]> dead = TestKafka.read(DLQ, r -> id.equals(header(r, "notify-dlq-event-id")), 1, WAIT,
                    Duration.ZERO).get(0);
            assertThat(header(dead, "notify-dlq-attempts")).isEqualTo("1");
            dead.headers().forEach(h -> assertThat(new String(h.value())).doesNotContain("/hooks/").doesNotContain("10.0.0.1"));
        }
    }

    @Test
    void throttleSpacesThePosts() {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 11; i++) {
            ids.add(publish("com.example.account.created", "welcome", "{\"email\":\"t" + i + "@example.com\"}", "{}"));
        }
        ids.forEach(id -> assertThat(terminalStatus(id).path("status").asText()).isEqualTo("delivered"));
        List<Long> times = posts("/hooks/default").stream().map(e -> e.getRequest().getLoggedDate().getTime()).sorted().toList();
        assertThat(times).hasSize(11);
        // 5 per second: 11 posts cannot all go out within one second (unthrottled they take ~0.1 s here)
        assertThat(times.get(10) - times.get(0)).isGreaterThanOrEqualTo(1000);
    }

    /** As a receiver checks it: Standard Webhooks' reference verifier over the body and headers received. */
    private static boolean verifies(String secret, com.github.tomakehurst.wiremock.verification.LoggedRequest request) {
        java.util.Map<String, List<String>> headers = new java.util.HashMap<>();
        for (String name : List.of("webhook-id", "webhook-timestamp", "webhook-signature")) {
            if (request.containsHeader(name)) {
                headers.put(name, List.of(request.getHeader(name)));
            }
        }
        try {
            new com.standardwebhooks.Webhook(secret).verify(new String(request.getBody(), java.nio.charset.StandardCharsets.UTF_8),
                    java.net.http.HttpHeaders.of(headers, (a, b) -> true));
            return true;
        } catch (com.standardwebhooks.exceptions.WebhookVerificationException e) {
            return false;
        }
    }

    private static String reasonOf(String id) {
        JsonNode status = terminalStatus(id);
        assertThat(status.path("status").asText()).isEqualTo("dead-lettered");
        return status.path("reason").asText();
    }

    /** The properties above are JVM-wide: later test classes in this JVM must not inherit them. */
    @AfterAll
    static void clearSystemProperties() {
        System.clearProperty("notify.webhook.url.com.example.invoice.due");
        System.clearProperty("notify.webhook.url.com.example.internal");
        System.clearProperty("notify.webhook.url");
        System.clearProperty("notify.webhook.signing-secrets");
        System.clearProperty("notify.webhook.signing-secrets.com.example.invoice.due");
        System.clearProperty("notify.contacts.file");
        System.clearProperty("notify.email.templates-dir");
    }
}
