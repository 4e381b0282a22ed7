package com.example.notify.routes;

import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static com.example.notify.support.TestPardot.TOKEN_PATH;
import static com.example.notify.support.TestPardot.UPSERT_PATH;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.event.EventValidator;
import com.example.notify.pardot.PardotQuota;
import com.example.notify.pardot.PardotSlots;
import com.example.notify.pardot.PardotTokenSource;
import com.example.notify.stage.ChannelShares;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestPardot;
import com.example.notify.support.TestSmtp;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Pardot channel against WireMock playing Salesforce's token endpoint and Pardot's v5 upsert with their
 * documented shapes (limits reported in the JSON body), events on a real broker. The last test reads the log
 * of the whole run for addresses, tokens and the secret.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=pardot.events",
            "notify.kafka.topic.status=pardot.status",
            "notify.kafka.topic.dlq=pardot.dlq",
            "notify.kafka.topic.pardot-deferred=pardot.deferred",
            "notify.kafka.group-id=pardot-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=1000",
            "notify.retry.initial-delay-ms=100",
            "notify.pardot.oauth.client-id=notify-client",
            "notify.pardot.oauth.client-secret=s3cr&t+=",
            "notify.pardot.max-concurrent=5",
            "notify.pardot.per-second=1000",
            "notify.pardot.quota.check-ms=300",
            "notify.pardot.return-api-usage=true",
            "notify.pardot.field.firstName=data.params.firstName",
            "notify.pardot.field.source='notification-routes'"
        })
class PardotRouteTest {

    static final String EVENTS = "pardot.events";
    static final String STATUS = "pardot.status";
    static final String DLQ = "pardot.dlq";
    static final Duration WAIT = Duration.ofSeconds(60); // an upper bound: the first test also waits for every stage's group to join
    static final Duration SETTLE = Duration.ofMillis(700);
    static final WireMockServer PARDOT = TestPardot.server();
    static final StringWriter LOG = new StringWriter();
    static final List<String> ADDRESSES = new java.util.concurrent.CopyOnWriteArrayList<>();

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        TestPardot.useForPardot();
        TestKafka.createTopics(List.of(EVENTS, STATUS, DLQ, "pardot.deferred"), Set.of());
    }

    @BeanInject
    CamelContext context;

    @BeforeAll
    void captureLog() {
        LoggerContext logs = (LoggerContext) LogManager.getContext(false);
        Appender console = logs.getConfiguration().getRootLogger().getAppenders().values().iterator().next();
        WriterAppender capture = WriterAppender.newBuilder().setName("capture").setTarget(LOG)
                .setLayout(console.getLayout()).build();
        capture.start();
        logs.getConfiguration().getRootLogger().addAppender(capture, null, null);
        logs.updateLoggers();
    }

    @BeforeEach
    void defaults() {
        TestPardot.acceptEverything();
        context.getRegistry().lookupByNameAndType("pardotQuota", PardotQuota.class).resume();
    }

    private static String address() {
        String address = "p-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        ADDRESSES.add(address);
        return address;
    }

    private static String event(String id, String email, String... channels) {
        String list = String.join(",", List.of(channels).stream().map(c -> '"' + c + '"').toList());
        return """
                {"specversion":"1.0","id":"%s","source":"/accounts","type":"com.example.account.created","data":{
                  "recipient":{"email":"%s"},"channels":[%s],"template":"welcome","params":{"firstName":"Pia"}}}
                """.formatted(id, email, list);
    }

    private static String publish(String email, String... channels) {
        String id = UUID.randomUUID().toString();
        TestKafka.publish(EVENTS, email, event(id, email, channels.length == 0 ? new String[] {"pardot"} : channels));
        return id;
    }

    private static List<String> outcomes(String id, int expected) {
        return TestKafka.read(STATUS, r -> isStatusFor(r, id), expected, WAIT, SETTLE).stream()
                .map(r -> statusData(r).path("channel").asText() + "/" + statusData(r).path("status").asText()
                        + statusData(r).path("reason").asText("").replaceAll("^(.+)$", "/$1"))
                .toList();
    }

    private static void answerFor(String email, String scenario, String state, String next, int status, String body) {
        com.github.tomakehurst.wiremock.client.MappingBuilder stub = post(urlEqualTo(UPSERT_PATH)).atPriority(1)
                .withRequestBody(matchingJsonPath("$.matchEmail", equalTo(email)));
        if (scenario != null) {
            com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder inScenario = stub.inScenario(scenario).whenScenarioStateIs(state);
            stub = next == null ? inScenario : inScenario.willSetStateTo(next);
        }
        PARDOT.stubFor(stub.willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    }

    @Test
    @Order(1)
    void oneTokenServesManyUpsertsAndTheSecretIsFormEncoded() {
        PardotTokenSource tokens = context.getRegistry().lookupByNameAndType("pardotTokens", PardotTokenSource.class);
        tokens.forget(); // a cold cache
        PARDOT.resetRequests();
        long fetchesBefore = tokens.getFetches();

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(publish(address()));
        }
        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read(STATUS,
                r -> ids.contains(statusData(r).path("eventId").asText()), 20, WAIT, SETTLE);
        assertThat(statuses).hasSize(20).allSatisfy(r -> {
            assertThat(statusData(r).path("status").asText()).isEqualTo("delivered");
            assertThat(statusData(r).path("provider").asText()).isEqualTo("pardot");
            assertThat(statusData(r).path("providerMessageId").asText()).isEqualTo("4242");
        });
        PARDOT.verify(1, postRequestedFor(urlEqualTo(TOKEN_PATH))
                .withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
                .withRequestBody(equalTo("grant_type=client_credentials&client_id=notify-client&client_secret=s3cr%26t%2B%3D")));
        PARDOT.verify(20, postRequestedFor(urlEqualTo(UPSERT_PATH))
                .withHeader("Authorization", equalTo("Bearer 00Dxx!token-1"))
                .withHeader("Pardot-Business-Unit-Id", equalTo(TestPardot.BUSINESS_UNIT))
                .withHeader("X-Return-Api-Usage", equalTo("1"))
                .withRequestBody(matchingJsonPath("$.prospect.firstName", equalTo("Pia")))
                .withRequestBody(matchingJsonPath("$.prospect.source", equalTo("notification-routes")))
                .withRequestBody(matchingJsonPath("$.fields[0]", equalTo("id"))));
        assertThat(tokens.getFetches() - fetchesBefore).as("notify_pardot_token_fetches counts the fetch").isEqualTo(1);
    }

    @Test
    @Order(1)
    void theSharesAreInjectedWhenStartedByCamelMain() {
        ChannelShares shares = context.getRegistry().lookupByNameAndType("channelShares", ChannelShares.class);
        assertThat(shares).isNotNull();
        assertThat(shares.getCamelContext()).as("made by camel-main with its context").isSameAs(context);
        assertThat(context.getRegistry().lookupByNameAndType("pardotSlots", PardotSlots.class).getShares()).isSameAs(shares);
        assertThat(context.getRegistry().lookupByNameAndType("pardotQuota", PardotQuota.class).getShares()).isSameAs(shares);
    }

    @Test
    @Order(2)
    void rejectedTokenIsRefreshedOnceAndTheUpsertRetried() {
        refreshedOnceAfter(401, "{\"code\":184,\"message\":\"access_token is invalid, unknown, or malformed: Inactive token\"}", "00Dxx!token-2");
    }

    @Test
    @Order(2)
    void a401WithoutACodeRefreshesTheTokenOnce() {
        refreshedOnceAfter(401, "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]", "00Dxx!token-3");
    }

    @Test
    @Order(2)
    void code184WithoutA401RefreshesTheTokenOnce() {
        refreshedOnceAfter(400, "{\"code\":184,\"message\":\"access_token is invalid, unknown, or malformed\"}", "00Dxx!token-4");
    }

    private void refreshedOnceAfter(int status, String body, String fresh) {
        String email = address();
        answerFor(email, "expired", STARTED, "refreshed", status, body);
        answerFor(email, "expired", "refreshed", null, 200, "{\"id\":77,\"email\":\"" + email + "\"}");
        PARDOT.stubFor(post(urlEqualTo(TOKEN_PATH)).atPriority(1).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"access_token\":\"" + fresh + "\",\"token_type\":\"Bearer\"}")));
        PARDOT.resetRequests();

        String id = publish(email);
        assertThat(outcomes(id, 1)).containsExactly("pardot/delivered");
        PARDOT.verify(1, postRequestedFor(urlEqualTo(TOKEN_PATH)));
        PARDOT.verify(2, postRequestedFor(urlEqualTo(UPSERT_PATH)));
        PARDOT.verify(1, postRequestedFor(urlEqualTo(UPSERT_PATH)).withHeader("Authorization", equalTo("Bearer " + fresh)));
    }

    @Test
    @Order(2)
    void aSecondRejectionFailsTransientAndTheRedeliveryGoesThrough() {
        String email = address();
        answerFor(email, "rejected", STARTED, "again", 401, "{\"code\":184,\"message\":\"Inactive token\"}");
        answerFor(email, "rejected", "again", "ok", 401, "{\"code\":184,\"message\":\"Inactive token\"}");
        answerFor(email, "rejected", "ok", null, 200, "{\"id\":78,\"email\":\"" + email + "\"}");
        PARDOT.resetRequests();

        String id = publish(email);
        assertThat(outcomes(id, 2)).containsExactly("pardot/failed/pardot-token-rejected", "pardot/delivered");
        PARDOT.verify(1, postRequestedFor(urlEqualTo(TOKEN_PATH)));
        PARDOT.verify(3, postRequestedFor(urlEqualTo(UPSERT_PATH)));
    }

    @Test
    @Order(2)
    void theBusinessUnitsUsageIsReportedToTheQuota() {
        String email = address();
        PARDOT.stubFor(post(urlEqualTo(UPSERT_PATH)).atPriority(1).withRequestBody(matchingJsonPath("$.matchEmail", equalTo(email)))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withHeader("x-api-usage", "7")
                        .withBody("{\"id\":79,\"email\":\"" + email + "\"}")));
        String id = publish(email);
        assertThat(outcomes(id, 1)).containsExactly("pardot/delivered");
        assertThat(context.getRegistry().lookupByNameAndType("pardotQuota", PardotQuota.class).getReportedToday()).isEqualTo(7);
    }

    @Test
    @Order(3)
    void concurrencyNeverExceedsTheCapUnderParallelLoad() throws Exception {
        PARDOT.stubFor(post(urlEqualTo(UPSERT_PATH)).atPriority(5).willReturn(aResponse().withStatus(200)
                .withFixedDelay(50).withHeader("Content-Type", "application/json").withBody("{\"id\":5,\"email\":\"x@example.com\"}")));
        PardotTokenSource tokens = context.getRegistry().lookupByNameAndType("pardotTokens", PardotTokenSource.class);
        tokens.forget(); // cold cache: 20 callers arrive at once, one of them fetches
        PARDOT.resetRequests();
        EventValidator validator = context.getRegistry().lookupByNameAndType("eventValidator", EventValidator.class);
        ProducerTemplate producer = context.createProducerTemplate();
        ExecutorService callers = Executors.newFixedThreadPool(20);
        int total = 200;
        List<Future<Exchange>> calls = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            byte[] raw = event(UUID.randomUUID().toString(), address(), "pardot").getBytes();
            calls.add(callers.submit(() -> producer.send("direct:deliver-pardot", exchange -> {
                exchange.setProperty("notifyRaw", raw);
                exchange.setProperty("notifyEvent", validator.validate(raw, Map.of()));
                exchange.setProperty("notifyChannel", "pardot");
            })));
        }
        for (Future<Exchange> call : calls) {
            assertThat(call.get().getException()).isNull();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        callers.shutdown();

        List<ServeEvent> served = PARDOT.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals(UPSERT_PATH)).toList();
        assertThat(served).hasSize(total);
        PARDOT.verify(1, postRequestedFor(urlEqualTo(TOKEN_PATH)));
        assertThat(maxOverlap(served)).as("requests in flight at the server").isBetween(2, 5);
        assertThat(context.getRegistry().lookupByNameAndType("pardotSlots", PardotSlots.class).getMaxSeenInFlight()).isLessThanOrEqualTo(5);
        System.out.printf("pardot upserts: %d in %.2f s = %.0f/s at max-concurrent 5, 50 ms per response%n", total, seconds, total / seconds);
    }

    /** Largest number of requests whose [received, received + total time] intervals overlap. */
    private static int maxOverlap(List<ServeEvent> served) {
        List<long[]> edges = new ArrayList<>();
        for (ServeEvent e : served) {
            long begin = e.getRequest().getLoggedDate().getTime();
            long end = begin + e.getTiming().getTotalTime();
            edges.add(new long[] {begin, 1});
            edges.add(new long[] {end, -1});
        }
        edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int max = 0;
        for (long[] edge : edges) {
            now += (int) edge[1];
            max = Math.max(max, now);
        }
        return max;
    }

    @Test
    @Order(4)
    void concurrencyAndRateLimitCodesAreRetriedWithBackoff() {
        String email = address();
        answerFor(email, "limits", STARTED, "rate", 400, "{\"code\":66,\"message\":\"Exceeded concurrent request limit\"}");
        answerFor(email, "limits", "rate", "ok", 400, "{\"code\":202,\"message\":\"Exceeded request rate limit\"}");
        answerFor(email, "limits", "ok", null, 200, "{\"id\":88,\"email\":\"" + email + "\"}");

        String id = publish(email);
        assertThat(outcomes(id, 3)).containsExactly("pardot/failed/pardot-concurrency-limit", "pardot/failed/pardot-rate-limit",
                "pardot/delivered");
    }

    @Test
    @Order(5)
    void dailyLimitPausesTheChannelWithoutDeadLettersAndResumesAfterTheReset() {
        PardotQuota quota = context.getRegistry().lookupByNameAndType("pardotQuota", PardotQuota.class);
        PARDOT.stubFor(post(urlEqualTo(UPSERT_PATH)).atPriority(2).willReturn(aResponse().withStatus(403)
                .withHeader("Content-Type", "application/json").withBody("{\"code\":122,\"message\":\"Daily API rate limit met\"}")));
        String first = publish(address());
        // the deferred route may read it once more before it is suspended and park it again: same status id
        assertThat(outcomes(first, 1)).isNotEmpty().containsOnly("pardot/deferred/pardot-daily-limit");
        assertThat(quota.isSpent()).isTrue();
        Awaitility.await().atMost(WAIT).until(() -> context.getRouteController().getRouteStatus("consume-pardot-deferred").isSuspended());

        PARDOT.resetRequests();
        String second = publish(address(), "email", "pardot");
        assertThat(outcomes(second, 2)).as("email goes on while pardot waits")
                .containsOnly("email/delivered", "pardot/deferred/pardot-daily-limit");
        PARDOT.verify(0, postRequestedFor(urlEqualTo(UPSERT_PATH)));
        // a third waits for the quota, and its recipient unsubscribes meanwhile: the deferred upsert is skipped
        String unsubscribing = address();
        String third = publish(unsubscribing);
        assertThat(outcomes(third, 1)).containsOnly("pardot/deferred/pardot-daily-limit");
        TestKafka.publish("notifications.suppressions", com.example.notify.preferences.RecipientKeys.addressHash(unsubscribing),
                "{\"reason\":\"unsubscribe\"}");
        com.example.notify.preferences.SuppressionList suppressions =
                context.getRegistry().lookupByNameAndType("suppressionList", com.example.notify.preferences.SuppressionList.class);
        Awaitility.await().atMost(WAIT).until(() -> "unsubscribe".equals(suppressions.reasonFor(unsubscribing)));

        TestPardot.acceptEverything();
        quota.resume(); // what the day's reset does; also the operator's way after raising the limit
        for (String id : List.of(first, second)) {
            Awaitility.await().atMost(WAIT).until(() -> outcomes(id, 1).contains("pardot/delivered"));
        }
        Awaitility.await().atMost(WAIT).until(() -> outcomes(third, 1).contains("pardot/skipped/suppressed-unsubscribe"));
        assertThat(outcomes(third, 1)).doesNotContain("pardot/delivered");
        // both were read delivered above, after the deferral: a dead letter for either (published before its
        // status) would be on the topic by now; 3 s of reading covers the topic's end and any straggler
        List<String> ids = List.of(first, second);
        assertThat(TestKafka.read(DLQ, r -> ids.stream().anyMatch(id -> id.equals(header(r, "notify-dlq-event-id"))), 0, Duration.ofSeconds(3), Duration.ZERO))
                .extracting(r -> header(r, "notify-dlq-event-id") + "/" + header(r, "notify-dlq-channel") + "/" + header(r, "notify-dlq-reason"))
                .as("no dead letter for a deferred event").isEmpty();
    }

    @Test
    @Order(6)
    void otherErrorsAreDeadLetteredAtOnceWithThePardotCodeAndNoAddress() {
        String email = address();
        answerFor(email, null, null, null, 400, "{\"code\":4,\"message\":\"Invalid value for email: " + email + "\"}");
        String id = publish(email);

        List<ConsumerRecord<String, byte[]>> dead = TestKafka.read(DLQ, r -> id.equals(header(r, "notify-dlq-event-id")), 1, WAIT, SETTLE);
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), "notify-dlq-reason")).isEqualTo("pardot-rejected");
        assertThat(header(dead.get(0), "notify-dlq-attempts")).isEqualTo("1");
        assertThat(header(dead.get(0), "notify-dlq-exception-message")).contains("HTTP 400 code 4").doesNotContain(email);
        assertThat(dead.get(0).headers().lastHeader("Authorization")).as("the bearer token stays home").isNull();
        assertThat(dead.get(0).headers().lastHeader("x-api-usage")).isNull();
    }

    @Test
    @Order(7)
    void theSameDataForTheSameAddressIsNotSentAgainRecently() {
        String email = address();
        String first = publish(email);
        assertThat(outcomes(first, 1)).containsExactly("pardot/delivered");
        String second = publish(email);
        assertThat(outcomes(second, 1)).containsExactly("pardot/skipped/recently-upserted");
    }

    @Test
    @Order(100)
    void theLogOfTheWholeRunHoldsNoAddressTokenOrSecret() {
        String log = LOG.toString();
        assertThat(log).contains("Status delivered"); // the capture worked
        assertThat(ADDRESSES).isNotEmpty().allSatisfy(address -> assertThat(log).doesNotContain(address));
        assertThat(log).doesNotContain("00Dxx!token").doesNotContain("s3cr&t+=").doesNotContain("s3cr%26t");
    }
}
