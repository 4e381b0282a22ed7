package com.example.notify.routes;

import static com.example.notify.support.EventSamples.header;
import static com.example.notify.support.EventSamples.isStatusFor;
import static com.example.notify.support.EventSamples.statusData;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.contacts.ContactNotFoundException;
import com.example.notify.contacts.ContactsUnavailableException;
import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.Contact;
import com.example.notify.event.EventValidator;
import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.NotificationFailureException;
import com.example.notify.preferences.SuppressionList;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.example.notify.support.FreePort;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.apache.camel.test.main.junit5.CamelMainTest;

/**
 * Contacts and preferences end to end: events on a real broker, a real HTTP server (WireMock) playing the
 * contacts API, the suppressions topic on the same broker, emails into GreenMail.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=contacts.events",
            "notify.kafka.topic.status=contacts.status",
            "notify.kafka.topic.dlq=contacts.dlq",
            "notify.kafka.topic.suppressions=contacts.suppressions",
            "notify.kafka.group-id=contacts-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.per-second=1000",
            "notify.contacts.directory=httpContacts",
            "notify.contacts.http.authorization=Bearer t0k&n+=",
            "notify.contacts.retry.initial-delay-ms=500",
            "notify.contacts.retry.max-delay-ms=4000",
            "notify.contacts.retry.max-redeliveries=20",
            "notify.politeness.limit=2",
            "notify.politeness.window-ms=4000",
            "notify.politeness.max-hold-ms=6000",
            "notify.politeness.policy=exempt",
            "notify.politeness.type.com.example.promo.policy=skip",
            "notify.politeness.type.com.example.reminder.policy=hold"
        })
class ContactsRouteTest {

    static final String EVENTS = "contacts.events";
    static final String STATUS = "contacts.status";
    static final String DLQ = "contacts.dlq";
    static final String SUPPRESSIONS = "contacts.suppressions";
    static final Duration WAIT = Duration.ofSeconds(60); // an upper bound: the first test also waits for every stage's group to join
    static final Duration SETTLE = Duration.ofSeconds(1);
    static final int API_PORT = FreePort.next();
    // a fixed port: the connection-refused test stops the API and starts it again where the bundle calls it
    static final WireMockServer API = new WireMockServer(options().port(API_PORT).bindAddress("127.0.0.1"));

    static {
        API.start();
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
        System.setProperty("notify.contacts.http.base-url", "http://127.0.0.1:" + API_PORT);
        TestKafka.createTopics(List.of(EVENTS, STATUS, DLQ), Set.of());
        TestKafka.createTopics(List.of(SUPPRESSIONS), Set.of(SUPPRESSIONS));
    }

    @BeanInject
    CamelContext context;

    private ProducerTemplate template;

    @AfterAll
    void stopApi() {
        API.stop();
    }

    /** Route lookup-contact for an event naming {@code contactId}, as enrich-contacts calls it (with a Kafka header). */
    private Exchange lookup(String contactId) {
        byte[] json = """
                {"specversion":"1.0","id":"%s","source":"/test","type":"com.example.account.created","data":{
                  "recipient":{"contactId":"%s"},"channels":["email"],"template":"welcome"}}"""
                .formatted(UUID.randomUUID(), contactId).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        NotificationEvent event = context.getRegistry().lookupByNameAndType("eventValidator", EventValidator.class)
                .validate(json, Map.of());
        return template().send("direct:lookup-contact", exchange -> {
            exchange.setProperty(ExchangeProperties.EVENT, event);
            exchange.getMessage().setHeader("kafka.KEY", "recipient.key@example.com");
        });
    }

    private synchronized ProducerTemplate template() {
        if (template == null) {
            template = context.createProducerTemplate();
        }
        return template;
    }

    private static String reason(Exchange exchange) {
        return exchange.getException() instanceof NotificationFailureException f ? f.reason() : String.valueOf(exchange.getException());
    }

    /** {@code n} lookups of one id started together; their exchanges. */
    private List<Exchange> concurrentLookups(String contactId, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Exchange>> running = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                running.add(pool.submit((Callable<Exchange>) () -> {
                    start.await();
                    return lookup(contactId);
                }));
            }
            start.countDown();
            List<Exchange> done = new ArrayList<>();
            for (Future<Exchange> f : running) {
                done.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
            return done;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int calls(String contactId) {
        return API.countRequestsMatching(getRequestedFor(urlEqualTo("/api/contacts/" + contactId)).build()).getCount();
    }

    @Test
    void aCachedContactMakesNoCallAndTheEventsHeadersDoNotGoToTheApi() {
        contact("c-500", "cara.cached@example.com", "Cara Cached", "", "");
        Exchange first = lookup("c-500");
        assertThat(first.getException()).isNull();
        assertThat(first.getMessage().getBody(Contact.class).getEmail()).isEqualTo("cara.cached@example.com");
        Exchange second = lookup("c-500");
        assertThat(second.getMessage().getBody(Contact.class).getName()).isEqualTo("Cara Cached");
        API.verify(1, getRequestedFor(urlEqualTo("/api/contacts/c-500"))
                .withHeader("Authorization", equalTo("Bearer t0k&n+="))
                .withHeader("Accept", equalTo("application/json"))
                .withoutHeader("kafka.KEY"));
    }

    @Test
    void concurrentMissesForOneIdMakeOneCallAndAllGetItsContact() throws Exception {
        API.stubFor(get(urlEqualTo("/api/contacts/c-501")).willReturn(aResponse().withStatus(200).withFixedDelay(1_000)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"id\":\"c-501\",\"email\":\"many.at.once@example.com\",\"name\":\"Mona Many\"}")));
        List<Exchange> lookups = concurrentLookups("c-501", 8);
        assertThat(lookups).allSatisfy(e -> {
            assertThat(e.getException()).isNull();
            assertThat(e.getMessage().getBody(Contact.class).getEmail()).isEqualTo("many.at.once@example.com");
        });
        assertThat(calls("c-501")).isEqualTo(1);
    }

    @Test
    void concurrentMissesShareTheOneCallsFailureWhichIsNotCached() throws Exception {
        API.stubFor(get(urlEqualTo("/api/contacts/c-502")).willReturn(aResponse().withStatus(503).withFixedDelay(1_000)));
        List<Exchange> lookups = concurrentLookups("c-502", 8);
        assertThat(lookups).allSatisfy(e -> assertThat(e.getException()).isInstanceOf(ContactsUnavailableException.class));
        assertThat(calls("c-502")).as("one call for all of them").isEqualTo(1);

        contact("c-502", "back.again@example.com", "Bert Back", "", "");
        Exchange after = lookup("c-502");
        assertThat(after.getException()).isNull();
        assertThat(after.getMessage().getBody(Contact.class).getEmail()).isEqualTo("back.again@example.com");
        assertThat(calls("c-502")).as("the failure was not cached: asked again").isEqualTo(2);
    }

    @Test
    void eachAnswerOfTheApiIsTheRightFailureAndNoneIsCached() {
        API.stubFor(get(urlEqualTo("/api/contacts/c-503")).willReturn(aResponse().withStatus(404)));
        assertThat(lookup("c-503").getException()).isInstanceOf(ContactNotFoundException.class);
        assertThat(lookup("c-503").getException()).isInstanceOf(ContactNotFoundException.class);
        assertThat(calls("c-503")).as("not-found is not cached either").isEqualTo(2);

        API.stubFor(get(urlEqualTo("/api/contacts/c-504")).willReturn(aResponse().withStatus(400)));
        assertThat(reason(lookup("c-504"))).isEqualTo("contact-lookup-rejected");

        API.stubFor(get(urlEqualTo("/api/contacts/c-505")).willReturn(aResponse().withStatus(200)
                .withBody("{\"email\":\"half.a.record@example.com\"")));
        Exchange invalid = lookup("c-505");
        assertThat(reason(invalid)).isEqualTo("contact-record-invalid");
        assertThat(invalid.getException().getMessage()).doesNotContain("half.a.record");

        API.stubFor(get(urlEqualTo("/api/contacts/c-506")).willReturn(aResponse().withStatus(403)));
        assertThat(lookup("c-506").getException()).isInstanceOf(ContactsUnavailableException.class);
    }

    @Test
    void aRefusedConnectionIsContactsUnavailable() {
        API.stop();
        try {
            Exchange refused = lookup("c-507");
            assertThat(refused.getException()).isInstanceOf(ContactsUnavailableException.class)
                    .hasMessageContaining("contacts API call failed")
                    .hasRootCauseInstanceOf(java.net.ConnectException.class);
        } finally {
            API.start();
        }
        contact("c-507", "after.refusal@example.com", "Rita Refused", "", "");
        assertThat(lookup("c-507").getMessage().getBody(Contact.class).getEmail()).isEqualTo("after.refusal@example.com");
    }

    private static void contact(String id, String email, String name, String optOutChannels, String optOutTypes) {
        API.stubFor(get(urlEqualTo("/api/contacts/" + id)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("""
                        {"id":"%s","email":"%s","name":"%s","locale":"de",
                         "optOut":{"channels":[%s],"types":[%s]},"fields":{"firstName":"%s"}}
                        """.formatted(id, email, name, optOutChannels, optOutTypes, name.split(" ")[0]))));
    }

    private static String publish(String contactJson, String type, String... channels) {
        String id = UUID.randomUUID().toString();
        String list = String.join(",", List.of(channels).stream().map(c -> '"' + c + '"').toList());
        TestKafka.publish(EVENTS, "k-" + contactJson.hashCode(), """
                {"specversion":"1.0","id":"%s","source":"/test","type":"%s","data":{
                  "recipient":%s,"channels":[%s],"template":"welcome"}}""".formatted(id, type, contactJson, list));
        return id;
    }

    private static String byId(String contactId) {
        return "{\"contactId\":\"" + contactId + "\"}";
    }

    private static List<ConsumerRecord<String, byte[]>> statuses(String eventId, int expected) {
        return TestKafka.read(STATUS, r -> isStatusFor(r, eventId), expected, WAIT, SETTLE);
    }

    private static String outcome(ConsumerRecord<String, byte[]> status) {
        return statusData(status).path("channel").asText() + "/" + statusData(status).path("status").asText()
                + statusData(status).path("reason").asText("").replaceAll("^(.+)$", "/$1");
    }

    private static List<String> outcomes(String eventId, int expected) {
        return statuses(eventId, expected).stream().map(ContactsRouteTest::outcome).toList();
    }

    private static MimeMessage deliveredEmail(String eventId) {
        ConsumerRecord<String, byte[]> delivered = statuses(eventId, 1).stream()
                .filter(r -> "delivered".equals(statusData(r).path("status").asText())).findFirst().orElseThrow();
        String messageId = statusData(delivered).path("providerMessageId").asText();
        Awaitility.await().atMost(WAIT).until(() -> TestSmtp.received(messageId).size() == 1);
        return TestSmtp.received(messageId).get(0);
    }

    @Test
    void manyEventsForOneContactMakeOneCallAndTheEmailCarriesTheContactsNameAndAddress() throws Exception {
        contact("c-100", "anna.berg@example.com", "Anna Berg", "", "");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(publish(byId("c-100"), "com.example.account.created", "email"));
        }
        List<ConsumerRecord<String, byte[]>> all = TestKafka.read(STATUS,
                r -> ids.contains(statusData(r).path("eventId").asText()), 20, WAIT, SETTLE);
        assertThat(all).hasSize(20).extracting(ContactsRouteTest::outcome).containsOnly("email/delivered");
        API.verify(1, getRequestedFor(urlEqualTo("/api/contacts/c-100"))
                .withHeader("Authorization", equalTo("Bearer t0k&n+=")));
        InternetAddress to = (InternetAddress) deliveredEmail(ids.get(0)).getRecipients(jakarta.mail.Message.RecipientType.TO)[0];
        assertThat(to.getAddress()).isEqualTo("anna.berg@example.com");
        assertThat(to.getPersonal()).isEqualTo("Anna Berg");
    }

    @Test
    void unknownContactIsDeadLetteredOnceAndTheIdIsEncodedIntoThePath() {
        API.stubFor(get(urlEqualTo("/api/contacts/no%20such%2Fone")).willReturn(aResponse().withStatus(404)));
        String id = publish(byId("no such/one"), "com.example.account.created", "email");

        List<ConsumerRecord<String, byte[]>> dead = TestKafka.read(DLQ, r -> id.equals(header(r, "notify-dlq-event-id")), 1, WAIT, SETTLE);
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), "notify-dlq-reason")).isEqualTo("contact-not-found");
        assertThat(header(dead.get(0), "notify-dlq-attempts")).isEqualTo("1");
        assertThat(header(dead.get(0), "notify-dlq-route-id")).isEqualTo("enrich-contacts");
        // the dead letter is the event's record (its key, where it came from), not the failed lookup's message
        assertThat(dead.get(0).key()).isEqualTo("k-" + byId("no such/one").hashCode());
        assertThat(header(dead.get(0), "notify-dlq-original-topic")).isEqualTo(EVENTS);
        assertThat(dead.get(0).headers().headers("Authorization")).as("the contacts API's credential").isEmpty();
        assertThat(outcomes(id, 1)).as("no channel yet: the lookup precedes the split").containsExactly("/dead-lettered/contact-not-found");
        API.verify(1, getRequestedFor(urlEqualTo("/api/contacts/no%20such%2Fone")));
    }

    @Test
    void aThirtySecondOutageLosesNothingAndDeadLettersNothing() throws Exception {
        API.stubFor(get(urlEqualTo("/api/contacts/c-200")).willReturn(aResponse().withStatus(503)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(publish(byId("c-200"), "com.example.account.created", "email"));
        }
        Thread.sleep(30_000);
        int callsDuringOutage = API.countRequestsMatching(getRequestedFor(urlEqualTo("/api/contacts/c-200")).build()).getCount();
        contact("c-200", "outage.survivor@example.com", "Otto Survivor", "", "");

        for (String id : ids) {
            assertThat(TestKafka.read(STATUS, r -> isStatusFor(r, id) && "delivered".equals(statusData(r).path("status").asText()),
                    1, Duration.ofSeconds(60), Duration.ZERO)).as("delivered after the outage").hasSize(1);
        }
        assertThat(outcomes(ids.get(0), 2)).as("the waiting is visible").contains("/failed/contacts-unavailable");
        // every event's delivered status was read above: a dead letter for any of them (published before its
        // status) would be on the topic by now; 3 s of reading covers the topic's end and any straggler
        assertThat(TestKafka.read(DLQ, r -> ids.stream().anyMatch(id -> id.equals(header(r, "notify-dlq-event-id"))), 0, Duration.ofSeconds(3), Duration.ZERO))
                .extracting(r -> header(r, "notify-dlq-event-id") + "/" + header(r, "notify-dlq-channel") + "/" + header(r, "notify-dlq-reason"))
                .as("no dead letter for any event of the outage").isEmpty();
        assertThat(callsDuringOutage).as("backed off, not spinning").isBetween(3, 20);
    }

    @Test
    void aContactIdWithAnInlineAddressIsStillLookedUpItsOptOutsApplyAndItsAddressWins() throws Exception {
        contact("c-301", "olga.real@example.com", "Olga Real", "", "\"com.example.promo\"");
        String inline = "{\"contactId\":\"c-301\",\"email\":\"someone.else@example.com\",\"name\":\"Someone\"}";

        String promo = publish(inline, "com.example.promo", "email");
        assertThat(outcomes(promo, 1)).as("the contact's opt-out of the type").containsExactly("email/skipped/opted-out-type");

        String invoice = publish(inline, "com.example.invoice.due", "email");
        MimeMessage mail = deliveredEmail(invoice);
        assertThat(((InternetAddress) mail.getRecipients(jakarta.mail.Message.RecipientType.TO)[0]).getAddress())
                .as("the directory's address, not the inline one").isEqualTo("olga.real@example.com");
        API.verify(1, getRequestedFor(urlEqualTo("/api/contacts/c-301")));
    }

    @Test
    void optOutsSkipWithReasonButTransactionalTypesStillGoOut() {
        contact("c-300", "opted.out@example.com", "Olga Out", "\"pardot\"", "\"com.example.promo\",\"com.example.security.login\"");

        String invoice = publish(byId("c-300"), "com.example.invoice.due", "email", "pardot");
        assertThat(outcomes(invoice, 2)).containsExactlyInAnyOrder("email/delivered", "pardot/skipped/opted-out-channel");

        String promo = publish(byId("c-300"), "com.example.promo", "email");
        assertThat(outcomes(promo, 1)).containsExactly("email/skipped/opted-out-type");

        String security = publish(byId("c-300"), "com.example.security.login", "email");
        assertThat(outcomes(security, 1)).as("transactional: opt-out bypassed").containsExactly("email/delivered");
    }

    @Test
    void suppressedAddressIsSkippedEvenForTransactionalTypesUntilLifted() {
        SuppressionList suppressions = context.getRegistry().lookupByNameAndType("suppressionList", SuppressionList.class);
        int before = suppressions.size();
        TestKafka.publish(SUPPRESSIONS, "Bounced.User@Example.com", "{\"reason\":\"bounce\"}");
        Awaitility.await().atMost(WAIT).until(() -> suppressions.size() == before + 1);

        String inline = "{\"email\":\"bounced.user@example.com\"}";
        String welcome = publish(inline, "com.example.account.created", "email");
        assertThat(outcomes(welcome, 1)).containsExactly("email/skipped/suppressed-bounce");
        String security = publish(inline, "com.example.security.login", "email");
        assertThat(outcomes(security, 1)).containsExactly("email/skipped/suppressed-bounce");

        TestKafka.publish(SUPPRESSIONS, "Bounced.User@Example.com", (byte[]) null, Map.of());
        Awaitility.await().atMost(WAIT).until(() -> suppressions.size() == before);
        String again = publish(inline, "com.example.account.created", "email");
        assertThat(outcomes(again, 1)).containsExactly("email/delivered");
    }

    @Test
    void politenessLimitSkipsTheExcessOrHoldsItBackPerTypePolicy() {
        contact("c-400", "busy.reader@example.com", "Bea Busy", "", "");
        List<String> promos = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            promos.add(publish(byId("c-400"), "com.example.promo", "email"));
        }
        List<String> promoOutcomes = promos.stream().map(id -> outcomes(id, 1).get(0)).toList();
        assertThat(promoOutcomes).containsExactly("email/delivered", "email/delivered", "email/skipped/politeness-limit");

        contact("c-401", "patient.reader@example.com", "Paul Patient", "", "");
        List<String> reminders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            reminders.add(publish(byId("c-401"), "com.example.reminder", "email"));
        }
        List<ConsumerRecord<String, byte[]>> delivered = reminders.stream().map(id -> statuses(id, 1).get(0)).toList();
        assertThat(delivered).extracting(ContactsRouteTest::outcome).containsOnly("email/delivered");
        long held = delivered.get(2).timestamp() - delivered.get(0).timestamp();
        assertThat(held).as("third reminder held until the window had room").isGreaterThanOrEqualTo(3_000);
    }
}
