package com.example.notify.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.BundleProcess;
import com.example.notify.support.EventSamples;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestSmtp;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import com.example.notify.support.ScriptedSmtpServer;
import com.example.notify.support.SesEmulator;
import com.example.notify.support.TestPardot;
import com.github.tomakehurst.wiremock.WireMockServer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged bundle as separate OS processes (production profile: Kafka idempotency store, commit after the
 * terminal state) against the test's real broker and a recording SMTP server (GreenMail keeps every message;
 * the test template puts the event id in the subject). Publishes a known set of events with 1% poison,
 * injects faults, reconciles: every valid event delivered or dead-lettered (lost = 0), duplicates bounded by
 * what was in flight, dead letters for poison exactly the poison count. Prints the figures per scenario.
 */
class FaultInjectionIT {

    /** Events per scenario; every 100th is poison. */
    static final int EVENTS = Integer.getInteger("notify.faults.events", 1000);
    static final int MAX_POLL_RECORDS = 100;
    /**
     * What can be in flight at a crash, per consumer thread: the record being processed, and the idempotency key
     * of the one before if its write was not yet acknowledged (keys are sent without waiting; ~1 ms).
     */
    static final int IN_FLIGHT_PER_CRASH = 2;
    static final Path LOGS = Path.of("target/fault-suite");
    final List<BundleProcess> bundles = new ArrayList<>();
    final Map<String, String> topics = new HashMap<>();
    String run;
    Path templates;
    /** Subjects (event ids) the SMTP server accepted, with repetitions; GreenMail unless a scenario says otherwise. */
    Supplier<List<String>> mailbox = this::greenMailSubjects;
    int smtpPort = TestSmtp.smtpPort();
    /** Bundle properties a scenario adds. */
    final Map<String, String> extra = new HashMap<>();
    /** How a valid event names its recipient, by index: inline address unless a scenario says otherwise. */
    java.util.function.IntFunction<String> recipient = i -> "{\"email\":\"f%d@example.com\"}".formatted(i);
    String channels = "\"email\"";
    /** The event type by index; a type can choose its email provider (notify.email.type.<type>.provider). */
    java.util.function.IntFunction<String> type = i -> "com.example.fault";

    @AfterEach
    void stopBundles() {
        bundles.forEach(b -> b.process.destroyForcibly());
    }

    private void newRun(String scenario) throws Exception {
        run = scenario + "-" + TestKafka.uniqueName("r").substring(2);
        for (String t : List.of("events", "status", "dlq", "idempotency", "suppressions", "pardot-deferred")) {
            topics.put(t, "fi." + run + "." + t);
        }
        TestKafka.createTopics(List.of(topics.get("events"), topics.get("status"), topics.get("dlq"), topics.get("pardot-deferred")), Set.of());
        TestKafka.createTopics(List.of(topics.get("idempotency"), topics.get("suppressions")),
                Set.of(topics.get("idempotency"), topics.get("suppressions")));
        templates = Files.createTempDirectory("fault-templates");
        Files.createDirectories(templates.resolve("fault"));
        Files.writeString(templates.resolve("fault/subject.ftl"), "${event.id}");
        Files.writeString(templates.resolve("fault/text.ftl"), "fault suite ${event.id}");
        Files.createDirectories(LOGS);
    }

    /** The published valid ids; every 100th record is poison (not JSON). */
    private List<String> publish() {
        List<String> valid = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            String id = run + "-" + i;
            if (i % 100 == 50) {
                TestKafka.publish(topics.get("events"), "k" + i, "{poison " + id);
                continue;
            }
            valid.add(id);
            TestKafka.publish(topics.get("events"), "k" + (i % 97), """
                    {"specversion":"1.0","id":"%s","source":"/fault","type":"%s","time":"%s",
                     "data":{"recipient":%s,"channels":[%s],"template":"fault"}}
                    """.formatted(id, type.apply(i), Instant.now(), recipient.apply(i), channels));
        }
        return valid;
    }

    private BundleProcess startBundle(String name) throws Exception {
        Map<String, String> properties = new java.util.LinkedHashMap<>(Map.ofEntries(
                Map.entry("notify.kafka.brokers", TestKafka.bootstrapServers()),
                Map.entry("notify.kafka.topic.events", topics.get("events")),
                Map.entry("notify.kafka.topic.status", topics.get("status")),
                Map.entry("notify.kafka.topic.dlq", topics.get("dlq")),
                Map.entry("notify.kafka.topic.idempotency", topics.get("idempotency")),
                Map.entry("notify.kafka.topic.suppressions", topics.get("suppressions")),
                Map.entry("notify.kafka.topic.pardot-deferred", topics.get("pardot-deferred")),
                Map.entry("notify.kafka.group-id", "fi-" + run),
                Map.entry("notify.kafka.max-poll-records", String.valueOf(MAX_POLL_RECORDS)),
                // a killed member's partitions move after the session timeout: 10 s instead of 45 s
                Map.entry("camel.component.kafka.session-timeout-ms", "10000"),
                Map.entry("camel.component.kafka.heartbeat-interval-ms", "2000"),
                Map.entry("notify.email.templates-dir", templates.toString()),
                Map.entry("notify.smtp.host", "127.0.0.1"),
                Map.entry("notify.smtp.port", String.valueOf(smtpPort)),
                Map.entry("notify.smtp.username", TestSmtp.USER),
                Map.entry("notify.smtp.password", TestSmtp.PASSWORD),
                Map.entry("notify.smtp.starttls", "false"),
                Map.entry("notify.smtp.starttls-required", "false"),
                Map.entry("notify.throttle.smtp.per-second", "2000"),
                Map.entry("notify.politeness.limit", "100000")));
        properties.putAll(extra);
        BundleProcess bundle = BundleProcess.start(properties, LOGS.resolve(run + "-" + name + ".log"), "-Xmx512m");
        bundles.add(bundle);
        return bundle;
    }

    private List<String> mailed() {
        return mailbox.get();
    }

    private List<String> greenMailSubjects() {
        List<String> subjects = new ArrayList<>();
        for (MimeMessage m : TestSmtp.server().getReceivedMessages()) {
            try {
                if (m.getSubject() != null && m.getSubject().startsWith(run + "-")) {
                    subjects.add(m.getSubject());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return subjects;
    }

    private List<ConsumerRecord<String, byte[]>> deadLetters() {
        return TestKafka.read(topics.get("dlq"), r -> true, Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO);
    }

    private static void waitFor(Supplier<Boolean> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get() && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
    }

    private record Figures(int published, int poison, long delivered, long duplicates, long deadLettered, long poisonDeadLettered,
                           long duplicateDeadLetters, long lost) {
    }

    /** Where a dead letter's record was read: the same record dead-lettered twice is one dead letter repeated. */
    private static String origin(ConsumerRecord<String, byte[]> deadLetter) {
        return EventSamples.header(deadLetter, "notify-dlq-original-partition") + "@"
                + EventSamples.header(deadLetter, "notify-dlq-original-offset") + "/" + EventSamples.header(deadLetter, "notify-dlq-channel");
    }

    private Figures reconcile(List<String> valid) {
        return reconcile(valid, "email", mailed());
    }

    /** Figures of one channel: {@code sink} holds the ids its server accepted, with repetitions. */
    private Figures reconcile(List<String> valid, String channel, List<String> sink) {
        List<String> subjects = sink;
        Set<String> delivered = Set.copyOf(subjects);
        List<ConsumerRecord<String, byte[]>> all = deadLetters().stream().filter(r -> {
            String of = EventSamples.header(r, "notify-dlq-channel");
            return of == null || of.isEmpty() || of.equals(channel);
        }).toList();
        Map<String, ConsumerRecord<String, byte[]>> byOrigin = new java.util.LinkedHashMap<>();
        all.forEach(r -> byOrigin.putIfAbsent(origin(r), r));
        List<ConsumerRecord<String, byte[]>> dead = List.copyOf(byOrigin.values());
        long poisonDead = dead.stream().filter(r -> "malformed-json".equals(EventSamples.header(r, "notify-dlq-reason"))).count();
        Set<String> deadIds = new java.util.HashSet<>();
        dead.forEach(r -> {
            String id = EventSamples.header(r, "notify-dlq-event-id");
            if (id != null) {
                deadIds.add(id);
            }
        });
        List<String> lostIds = valid.stream().filter(id -> !delivered.contains(id) && !deadIds.contains(id)).toList();
        if (!lostIds.isEmpty()) {
            explain(lostIds);
        }
        return new Figures(EVENTS, EVENTS - valid.size(), delivered.size(), subjects.size() - delivered.size(), dead.size(),
                poisonDead, all.size() - dead.size(), lostIds.size());
    }

    /** What the status topic says about events that were neither delivered nor dead-lettered. */
    private void explain(List<String> lostIds) {
        Set<String> lost = Set.copyOf(lostIds);
        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read(topics.get("status"),
                r -> lost.contains(EventSamples.statusData(r).path("eventId").asText()), Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO);
        System.out.println("FAULT-SUITE lost " + lostIds.size() + ": " + lostIds.subList(0, Math.min(20, lostIds.size())));
        statuses.forEach(r -> System.out.println("FAULT-SUITE   status " + EventSamples.statusData(r)));
    }

    private void report(String scenario, Figures f, String extra) throws IOException {
        String line = "%-28s published=%d poison=%d delivered=%d duplicates=%d dead-lettered=%d (poison %d, repeated %d) lost=%d %s%n"
                .formatted(scenario, f.published(), f.poison(), f.delivered(), f.duplicates(), f.deadLettered(), f.poisonDeadLettered(),
                        f.duplicateDeadLetters(), f.lost(), extra);
        System.out.print("FAULT-SUITE " + line);
        Files.writeString(LOGS.resolve("figures.txt"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Event ids whose prospect upsert reached the Pardot stub (the address names the event), with repetitions. */
    private List<String> upserted() {
        List<String> ids = new ArrayList<>();
        for (var request : TestPardot.server().findAll(postRequestedFor(urlEqualTo(TestPardot.UPSERT_PATH)))) {
            String email = EventSamples.json(request.getBody()).path("matchEmail").asText();
            ids.add(run + "-" + email.substring(1, email.indexOf('@')));
        }
        return ids;
    }

    @Test
    void killMinus9ThreeTimesMidStreamLosesNothing() throws Exception {
        newRun("kill9");
        // email (a third of the types over SES, to the SES emulator; the rest over SMTP) and a prospect upsert to
        // the Pardot stub per event: each channel reconciled across its sinks
        type = i -> i % 3 == 1 ? "com.example.fault.ses" : "com.example.fault";
        extra.putAll(Map.of("notify.email.type.com.example.fault.ses.provider", "ses",
                "notify.ses.endpoint-override", SesEmulator.endpoint(), "notify.ses.region", "eu-west-1",
                "notify.ses.access-key-id", "test", "notify.ses.secret-access-key", "test"));
        mailbox = () -> {
            List<String> both = new ArrayList<>(greenMailSubjects());
            SesEmulator.store().forEach(e -> {
                if (e.path("subject").asText().startsWith(run + "-")) {
                    both.add(e.path("subject").asText());
                }
            });
            return both;
        };
        TestPardot.acceptEverything();
        String pardot = "http://127.0.0.1:" + TestPardot.server().port();
        extra.putAll(Map.of("notify.pardot.base-url", pardot, "notify.pardot.oauth.instance-url", pardot,
                "notify.pardot.business-unit-id", TestPardot.BUSINESS_UNIT, "notify.pardot.oauth.client-id", "fault-suite",
                "notify.pardot.oauth.client-secret", "s3cr&t+=", "notify.pardot.per-second", "1000"));
        channels = "\"email\",\"pardot\"";
        List<String> valid = publish();
        BundleProcess bundle = startBundle("a");
        int kills = 0;
        for (int k = 1; k <= 3; k++) {
            int target = k * valid.size() / 4;
            waitFor(() -> mailed().size() >= target, Duration.ofSeconds(120));
            bundle.kill();
            kills++;
            bundle = startBundle("a");
        }
        awaitSettled(valid, Duration.ofSeconds(180));
        waitFor(() -> Set.copyOf(upserted()).containsAll(valid), Duration.ofSeconds(60));
        long inFlightBound = (long) kills * IN_FLIGHT_PER_CRASH;
        Figures f = reconcile(valid);
        long overSes = f.delivered() - greenMailSubjects().stream().distinct().count();
        report("kill -9 x3 [email]", f, "kills=" + kills + " duplicate-bound=" + inFlightBound + " via-ses=" + overSes);
        Figures p = reconcile(valid, "pardot", upserted());
        report("kill -9 x3 [pardot]", p, "kills=" + kills + " duplicate-bound=" + inFlightBound);
        assertThat(overSes).as("the SES types went over SES").isGreaterThan(valid.size() / 4);
        for (Figures channel : List.of(f, p)) {
            assertThat(channel.lost()).isZero();
            assertThat(channel.poisonDeadLettered()).isEqualTo(channel.poison());
            assertThat(channel.duplicates()).isLessThanOrEqualTo(inFlightBound);
        }
    }

    @Test
    void sigtermMidStreamFinishesInFlightWorkAndRepeatsNothing() throws Exception {
        newRun("sigterm");
        List<String> valid = publish();
        BundleProcess bundle = startBundle("a");
        waitFor(() -> mailed().size() >= valid.size() / 2, Duration.ofSeconds(120));
        boolean stopped = bundle.stop(Duration.ofSeconds(45)); // SIGTERM: Camel's graceful shutdown
        startBundle("a");
        awaitSettled(valid, Duration.ofSeconds(180));
        Figures f = reconcile(valid);
        report("SIGTERM mid-stream", f, "stopped-within-grace=" + stopped);
        assertThat(stopped).as("stopped within the 45 s grace period").isTrue();
        assertThat(f.lost()).isZero();
        assertThat(f.duplicates()).as("a graceful stop commits what it finished").isZero();
        assertThat(f.poisonDeadLettered()).isEqualTo(f.poison());
    }

    @Test
    void twoReplicasOneKilledAndRestartedLosesNothing() throws Exception {
        newRun("replicas");
        List<String> valid = publish();
        startBundle("a");
        BundleProcess b = startBundle("b");
        waitFor(() -> mailed().size() >= valid.size() / 3, Duration.ofSeconds(120));
        b.kill();
        startBundle("b");
        awaitSettled(valid, Duration.ofSeconds(180));
        Figures f = reconcile(valid);
        report("2 replicas, 1 kill -9", f, "duplicate-bound=" + IN_FLIGHT_PER_CRASH);
        assertThat(f.lost()).isZero();
        assertThat(f.poisonDeadLettered()).isEqualTo(f.poison());
        assertThat(f.duplicates()).as("what was in flight at the killed replica").isLessThanOrEqualTo(IN_FLIGHT_PER_CRASH);
    }


    /** Waits until every valid id was mailed or dead-lettered and every poison record dead-lettered. */
    private void awaitSettled(List<String> valid, Duration timeout) throws InterruptedException {
        waitFor(() -> {
            Set<String> done = new java.util.HashSet<>(mailed());
            List<ConsumerRecord<String, byte[]>> dead = deadLetters();
            dead.forEach(r -> done.add(String.valueOf(EventSamples.header(r, "notify-dlq-event-id"))));
            long poisonDead = dead.stream().filter(r -> "malformed-json".equals(EventSamples.header(r, "notify-dlq-reason"))).count();
            return done.containsAll(valid) && poisonDead >= EVENTS - valid.size();
        }, timeout);
    }

    @Test
    void brokerStoppedAndRestartedMidStreamLosesNothingAndResumes() throws Exception {
        newRun("broker");
        List<String> valid = publish();
        startBundle("a");
        waitFor(() -> mailed().size() >= valid.size() / 3, Duration.ofSeconds(120));
        TestKafka.stopBroker();
        Thread.sleep(10_000);
        int before = mailed().size();
        TestKafka.startBroker();
        long restarted = System.nanoTime();
        waitFor(() -> mailed().size() > before, Duration.ofSeconds(60));
        double resumedSeconds = (System.nanoTime() - restarted) / 1e9;
        awaitSettled(valid, Duration.ofSeconds(180));
        Figures f = reconcile(valid);
        report("broker down 10 s", f, "resumed-after=%.1fs duplicate-bound=%d".formatted(resumedSeconds, IN_FLIGHT_PER_CRASH));
        assertThat(f.lost()).isZero();
        assertThat(resumedSeconds).as("processing resumes within 30 s of the broker's return").isLessThan(30);
        assertThat(f.poisonDeadLettered()).isEqualTo(f.poison());
        assertThat(f.duplicates()).as("what was in flight when the broker went").isLessThanOrEqualTo(IN_FLIGHT_PER_CRASH);
    }

    @Test
    void smtpAnswering4xxThen5xxThenDroppingConnectionsLosesNothing() throws Exception {
        newRun("smtp");
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.plain(60_000)) {
            smtpPort = smtp.port();
            mailbox = () -> smtp.accepted.stream().map(FaultInjectionIT::subjectOf).filter(s -> s.startsWith(run + "-")).toList();
            // every 50th valid event goes to an address the server rejects for good once the 5xx phase begins
            recipient = i -> "{\"email\":\"%s%d@example.com\"}".formatted(i % 50 == 7 ? "reject" : "f", i);
            java.util.concurrent.atomic.AtomicInteger attempts4xx = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger drops = new java.util.concurrent.atomic.AtomicInteger();
            smtp.reply(to -> {
                attempts4xx.incrementAndGet();
                return new RejectException(451, "4.3.0 try again later");
            });
            List<String> valid = publish();
            Set<String> rejected = new java.util.HashSet<>();
            for (int i = 0; i < EVENTS; i++) {
                if (i % 100 != 50 && i % 50 == 7) {
                    rejected.add(run + "-" + i);
                }
            }
            startBundle("a");
            waitFor(() -> attempts4xx.get() > 0, Duration.ofSeconds(60));
            Thread.sleep(8_000);
            int during4xx = attempts4xx.get();
            smtp.reply(to -> to.startsWith("reject") ? new RejectException(550, "5.1.1 no such user") : null);
            waitFor(() -> mailed().size() >= valid.size() / 2, Duration.ofSeconds(120));
            smtp.reply(to -> {
                drops.incrementAndGet();
                return new DropConnectionException(421, "4.4.2 closing connection");
            });
            Thread.sleep(5_000);
            smtp.reply(to -> to.startsWith("reject") ? new RejectException(550, "5.1.1 no such user") : null);
            awaitSettled(valid, Duration.ofSeconds(180));
            Figures f = reconcile(valid);
            List<ConsumerRecord<String, byte[]>> rejectedDead = deadLetters().stream()
                    .filter(r -> rejected.contains(EventSamples.header(r, "notify-dlq-event-id"))).toList();
            report("smtp 4xx 8 s, 5xx, 421+drop", f, "rejected=%d rejected-dead-letters=%d attempts-during-4xx=%d dropped=%d"
                    .formatted(rejected.size(), rejectedDead.size(), during4xx, drops.get()));
            assertThat(f.lost()).isZero();
            assertThat(Set.copyOf(mailed())).as("everything not rejected for good is delivered after retries")
                    .containsAll(valid.stream().filter(id -> !rejected.contains(id)).toList());
            assertThat(rejectedDead).as("each 5xx dead-lettered exactly once").hasSize(rejected.size());
            assertThat(rejectedDead).allMatch(r -> "smtp-recipient-rejected".equals(EventSamples.header(r, "notify-dlq-reason")));
            // one event at a time is held back with backoff (0.5, 1, 2, 4 s ...): a handful of attempts, not a spin
            assertThat(during4xx).as("attempts while the server answered 4xx").isLessThanOrEqualTo(20);
            assertThat(f.poisonDeadLettered()).isEqualTo(f.poison());
        }
    }

    @Test
    void contactsApiOutageOf30SecondsLosesNothingAndDeadLettersNothing() throws Exception {
        newRun("contacts");
        WireMockServer contacts = new WireMockServer(options().dynamicPort());
        contacts.start();
        try {
            // the outage is a higher-priority stub added and removed again: some stub answers at every moment
            // (a reset in between would answer 404 = contact-not-found)
            contacts.stubFor(get(urlPathMatching("/api/contacts/.*")).atPriority(10).willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"id\":\"c\",\"email\":\"contact@example.com\",\"name\":\"Fault Suite\",\"locale\":\"en\"}")));
            recipient = i -> "{\"contactId\":\"c-%d\"}".formatted(i);
            extra.put("notify.contacts.directory", "httpContacts");
            extra.put("notify.contacts.http.base-url", "http://127.0.0.1:" + contacts.port());
            extra.put("notify.contacts.retry.initial-delay-ms", "1000");
            extra.put("notify.contacts.retry.max-delay-ms", "8000");
            List<String> valid = publish();
            startBundle("a");
            waitFor(() -> mailed().size() >= valid.size() / 3, Duration.ofSeconds(120));
            var outage = contacts.stubFor(get(urlPathMatching("/api/contacts/.*")).atPriority(1)
                    .willReturn(aResponse().withStatus(503)));
            int lookupsBefore = contacts.getAllServeEvents().size();
            Thread.sleep(30_000);
            int lookupsDuringOutage = contacts.getAllServeEvents().size() - lookupsBefore;
            contacts.removeStub(outage);
            awaitSettled(valid, Duration.ofSeconds(180));
            Figures f = reconcile(valid);
            report("contacts API down 30 s", f, "lookups-during-outage=" + lookupsDuringOutage);
            assertThat(f.lost()).isZero();
            assertThat(f.deadLettered()).as("only the poison records").isEqualTo(f.poison());
            assertThat(Set.copyOf(mailed())).containsAll(valid);
            assertThat(lookupsDuringOutage).as("backing off, not spinning").isLessThanOrEqualTo(30);
        } finally {
            contacts.stop();
        }
    }

    private static String subjectOf(byte[] message) {
        try {
            return new MimeMessage(jakarta.mail.Session.getInstance(new java.util.Properties()), new java.io.ByteArrayInputStream(message))
                    .getSubject();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
