package com.example.notify.preview;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.FreePort;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestPardot;
import com.example.notify.support.TestSmtp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The preview against delivery, on the running bundle's admin endpoint: a preview sends, stores and publishes
 * nothing (no SMTP message, no record on any topic, no dedupe key); then the same event is delivered for real
 * (Kafka, GreenMail, a WireMock webhook) and what arrived is compared byte for byte with what the preview showed,
 * except what must differ (README "Preview a change"); the endpoint refuses missing and wrong tokens.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=preview.events",
            "notify.kafka.topic.status=preview.status",
            "notify.kafka.topic.dlq=preview.dlq",
            "notify.kafka.group-id=preview-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.email.from=Example Billing <billing@example.com>",
            "notify.email.reply-to=support@example.com",
            "notify.preview.tokens=preview-token",
            "notify.webhook.allowed-urls=http://127\\.0\\.0\\.1:[0-9]+/hooks/.*",
            "notify.webhook.signing-secrets=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "notify.pardot.oauth.client-id=notify-client",
            "notify.pardot.oauth.client-secret=s3cr&t+=",
            "notify.pardot.per-second=1000",
            "camel.server.host=127.0.0.1",
            "notify.admin.host=127.0.0.1"
        })
class PreviewDeliveryTest {

    static final String EVENTS = "preview.events";
    static final String STATUS = "preview.status";
    static final String DLQ = "preview.dlq";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final WireMockServer HOOK = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final int ADMIN_PORT;

    static {
        HOOK.start();
        ADMIN_PORT = FreePort.next();
        System.setProperty("camel.server.port", String.valueOf(FreePort.next()));
        System.setProperty("notify.admin.port", String.valueOf(ADMIN_PORT));
        System.setProperty("notify.webhook.url", "http://127.0.0.1:" + HOOK.port() + "/hooks/preview");
        // the contacts API (application.properties' directory) answers on the same stand-in
        System.setProperty("notify.contacts.http.base-url", "http://127.0.0.1:" + HOOK.port());
        TestPardot.useForPardot();
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestKafka.createTopics(List.of(EVENTS, STATUS, DLQ), Set.of());
    }

    @AfterAll
    static void clearSystemProperties() {
        System.clearProperty("camel.server.port");
        System.clearProperty("notify.admin.port");
        System.clearProperty("notify.webhook.url");
        System.clearProperty("notify.contacts.http.base-url");
        System.clearProperty("notify.pardot.base-url");
        System.clearProperty("notify.pardot.oauth.instance-url");
        System.clearProperty("notify.pardot.business-unit-id");
        HOOK.stop();
    }

    @BeanInject
    CamelContext context;

    static String event(String id, String channel) {
        return """
                {"specversion":"1.0","id":"%s","source":"/preview-test","type":"com.example.invoice.due","data":{
                  "recipient":{"email":"jane.doe@example.com","name":"Jane Doe"},"channels":["%s"],
                  "template":"invoice-due","locale":"de-AT","params":{"amount":"12.00","currency":"EUR","dueDate":"2026-12-01"}}}
                """.formatted(id, channel);
    }

    static HttpResponse<String> preview(String token, String query, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ADMIN_PORT + "/admin/preview" + query))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode report(String body) throws Exception {
        HttpResponse<String> answer = preview("preview-token", "", body);
        assertThat(answer.statusCode()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    @Test
    @Order(1)
    void aPreviewSendsStoresAndPublishesNothing() throws Exception {
        Map<TopicPartition, Long> before = endOffsets();
        String id = UUID.randomUUID().toString();
        JsonNode email = report(event(id, "email")).path("channels").path("email");
        JsonNode webhook = report(event(id, "webhook")).path("channels").path("webhook");
        assertThat(email.path("mime").asText()).contains("Message-ID: <");
        assertThat(webhook.path("body").asText()).contains("12.00");

        Thread.sleep(1000); // anything a preview set off would have happened by now
        String messageId = messageIdOf(email.path("mime").asText());
        assertThat(TestSmtp.received(messageId.substring(1, 33))).as("no SMTP message").isEmpty();
        assertThat(HOOK.getAllServeEvents()).as("no webhook call").isEmpty();
        Map<TopicPartition, Long> after = endOffsets();
        // topics the bundle's stages create while starting appear empty; none may have gained a record
        assertThat(after).as("no record on any topic").allSatisfy((tp, end) -> assertThat(end).as("%s", tp)
                .isEqualTo(before.getOrDefault(tp, 0L)));
        IdempotentRepository dedupe = context.getRegistry().lookupByNameAndType("memoryIdempotency", IdempotentRepository.class);
        assertThat(dedupe.contains("/preview-test\u001f" + id + "\u001femail")).isFalse();
        assertThat(dedupe.contains("/preview-test\u001f" + id + "\u001fwebhook")).isFalse();
    }

    @Test
    @Order(2)
    void theEmailPreviewIsTheMimeTheSmtpServerReceives() throws Exception {
        String id = UUID.randomUUID().toString();
        JsonNode email = report(event(id, "email")).path("channels").path("email");
        String previewed = email.path("mime").asText();
        assertThat(email.path("decisions").path("provider").asText()).isEqualTo("smtp");
        assertThat(email.path("warnings").toString()).contains("fallback locale used: invoice-due/subject_de.ftl");

        TestKafka.publish(EVENTS, "k-" + id, event(id, "email"));
        String marker = messageIdOf(previewed).substring(1, 33);
        Awaitility.await().atMost(WAIT).until(() -> TestSmtp.received(marker).size() == 1);
        MimeMessage received = TestSmtp.received(marker).get(0);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        received.writeTo(raw);

        assertThat(comparable(raw.toString(StandardCharsets.UTF_8))).isEqualTo(comparable(previewed));
        assertThat(comparable(previewed)).contains("Subject: ").contains("text/plain").contains("text/html");
    }

    @Test
    @Order(3)
    void theWebhookPreviewIsTheRequestTheWebhookReceives() throws Exception {
        HOOK.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(204)));
        String id = UUID.randomUUID().toString();
        JsonNode webhook = report(event(id, "webhook")).path("channels").path("webhook");

        TestKafka.publish(EVENTS, "k-" + id, event(id, "webhook"));
        Awaitility.await().atMost(WAIT).until(() -> HOOK.findAll(com.github.tomakehurst.wiremock.client.WireMock
                .postRequestedFor(anyUrl())).size() == 1);
        LoggedRequest sent = HOOK.getAllServeEvents().get(0).getRequest();

        assertThat(webhook.path("method").asText()).isEqualTo(sent.getMethod().getName());
        assertThat(webhook.path("url").asText()).isEqualTo("http://127.0.0.1:" + HOOK.port() + sent.getUrl());
        assertThat(webhook.path("body").asText().getBytes(StandardCharsets.UTF_8)).isEqualTo(sent.getBody());
        assertThat(webhook.path("headers").path("webhook-id").asText()).isEqualTo(sent.getHeader("webhook-id"));
        assertThat(webhook.path("headers").path("Content-Type").asText()).isEqualToIgnoringCase(sent.getHeader("Content-Type"));
        // per attempt: its own timestamp, so its own signature; both are present and of the same form
        // the preview never shows a usable signature (it would sign a body the caller chose)
        assertThat(webhook.path("headers").path("webhook-signature").asText()).startsWith("v1,<computed at send time");
        assertThat(sent.getHeader("webhook-signature")).startsWith("v1,");
        assertThat(webhook.path("decisions").path("signed").asText()).isEqualTo("yes");
    }

    @Test
    @Order(4)
    void thePardotPreviewIsTheUpsertPardotReceives() throws Exception {
        TestPardot.acceptEverything();
        String id = UUID.randomUUID().toString();
        String event = event(id, "pardot").replace("jane.doe@example.com", "jane." + id + "@example.com");
        JsonNode pardot = report(event).path("channels").path("pardot");
        assertThat(pardot.path("prospect").path("email").asText()).isEqualTo("jane." + id + "@example.com");

        TestKafka.publish(EVENTS, "k-" + id, event);
        var upserts = com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo(TestPardot.UPSERT_PATH));
        Awaitility.await().atMost(WAIT).until(() -> TestPardot.server().findAll(upserts).stream()
                .anyMatch(r -> r.getBodyAsString().contains(id)));
        LoggedRequest sent = TestPardot.server().findAll(upserts).stream().filter(r -> r.getBodyAsString().contains(id))
                .findFirst().orElseThrow();

        assertThat(pardot.path("method").asText()).isEqualTo(sent.getMethod().getName());
        assertThat(pardot.path("url").asText()).isEqualTo("http://127.0.0.1:" + TestPardot.server().port() + sent.getUrl());
        assertThat(pardot.path("body").asText().getBytes(StandardCharsets.UTF_8)).isEqualTo(sent.getBody());
        assertThat(pardot.path("headers").path("Pardot-Business-Unit-Id").asText()).isEqualTo(sent.getHeader("Pardot-Business-Unit-Id"));
        // the bearer token is a secret fetched at send time: the preview names where it comes from
        assertThat(sent.getHeader("Authorization")).startsWith("Bearer ");
        assertThat(pardot.path("headers").path("Authorization").asText()).startsWith("Bearer <");
    }

    @Test
    @Order(6)
    void theEndpointRefusesMissingAndWrongTokensAndRendersAPage() throws Exception {
        String body = event(UUID.randomUUID().toString(), "email");
        assertThat(preview(null, "", body).statusCode()).isEqualTo(401);
        assertThat(preview("wrong-token", "", body).statusCode()).isEqualTo(401);
        assertThat(preview("wrong-token", "", body).body()).doesNotContain("Jane");
        HttpResponse<String> page = preview("preview-token", "?format=html", body);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("<iframe sandbox=\"\"").contains("Ihre Rechnung");
    }

    @Test
    @Order(7)
    void anInvalidEventIsAReportNotAnError() throws Exception {
        JsonNode report = report("{\"specversion\":\"1.0\"}");
        assertThat(report.path("decisions").path("validation").asText()).startsWith("refused: ");
        assertThat(report.path("channels").isMissingNode()).isTrue();
    }

    @Test
    @Order(8)
    void theContactComesFromDeliverysLookupThroughTheContactsApi() throws Exception {
        HOOK.stubFor(get(urlEqualTo("/api/contacts/c-preview")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"id\":\"c-preview\",\"email\":\"api.contact@example.com\",\"name\":\"Api Contact\"}")));
        HOOK.stubFor(get(urlEqualTo("/api/contacts/c-gone")).willReturn(aResponse().withStatus(404)));
        String byContact = event(UUID.randomUUID().toString(), "email")
                .replace("\"email\":\"jane.doe@example.com\",\"name\":\"Jane Doe\"", "\"contactId\":\"c-preview\"");

        JsonNode found = report(byContact);
        assertThat(found.path("decisions").path("contact").asText()).isEqualTo("found");
        assertThat(found.path("channels").path("email").path("mime").asText()).contains("api.contact@example.com");
        assertThat(HOOK.findAll(getRequestedFor(urlEqualTo("/api/contacts/c-preview")))).hasSize(1);

        JsonNode gone = report(byContact.replace("c-preview", "c-gone"));
        assertThat(gone.path("decisions").path("contact").asText()).isEqualTo("not usable: contact-not-found");
        assertThat(gone.path("channels").isMissingNode()).isTrue();
    }

    static String messageIdOf(String mime) {
        Matcher m = Pattern.compile("(?m)^Message-ID: (<[^>]+>)").matcher(mime);
        assertThat(m.find()).as("Message-ID in %s", mime).isTrue();
        return m.group(1);
    }

    /**
     * The message without what must differ: the Date header (the time of composing), the multipart boundary
     * (random per message), the Received/Return-Path headers the SMTP server adds, and the line break after the
     * closing boundary (it merges into SMTP's end-of-data "CRLF . CRLF"); line endings as LF.
     */
    static String comparable(String mime) {
        String crlf = mime.replace("\r\n", "\n");
        Matcher boundary = Pattern.compile("boundary=\"([^\"]+)\"").matcher(crlf);
        if (boundary.find()) {
            crlf = crlf.replace(boundary.group(1), "BOUNDARY");
        }
        StringBuilder out = new StringBuilder();
        boolean skipping = false;
        boolean inHeaders = true;
        for (String line : crlf.split("\n", -1)) {
            if (inHeaders && line.isEmpty()) {
                inHeaders = false;
            }
            if (inHeaders) {
                boolean continuation = line.startsWith(" ") || line.startsWith("\t");
                if (!continuation) {
                    String name = line.contains(":") ? line.substring(0, line.indexOf(':')) : "";
                    skipping = Set.of("Date", "Received", "Return-Path").contains(name);
                }
                if (skipping) {
                    continue;
                }
            }
            out.append(line).append('\n');
        }
        return out.toString().stripTrailing();
    }

    private static Map<TopicPartition, Long> endOffsets() throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            Set<String> topics = admin.listTopics().names().get();
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get().forEach((name, d) -> d.partitions()
                    .forEach(p -> specs.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(specs).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        }
    }
}
