package com.example.notify.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.BundleProcess;
import com.example.notify.support.DownRelay;
import com.example.notify.support.EventSamples;
import com.example.notify.support.FreePort;
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
 * The packaged bundle as separate OS processes (production profile: the dedupe store, commit after the
 * terminal state) against the test's real broker and a recording SMTP server (GreenMail keeps every message;
 * the test template puts the event id in the subject). Publishes a known set of events with 1% poison,
 * injects faults, reconciles: every valid event delivered or dead-lettered (lost = 0), duplicates bounded by
 * what was in flight, dead letters for poison exactly the poison count. Prints the figures per scenario.
 */
class FaultInjectionIT {

    /** Events per scenario; every 100th is poison. */
    static final int EVENTS = Integer.getInteger("notify.faults.events", 1000);
    static final int MAX_POLL_RECORDS = 100;
    /** Deliveries in flight per replica and channel (lanes of the channel stages); the suite's bound follows. */
    static final int CONCURRENCY = 8;
    /**
     * What can be in flight at a crash: in the ingest stage the record being processed and the idempotency key of
     * the one before if its write was not yet acknowledged (keys are sent without waiting; ~1 ms); in a channel
     * stage, per lane, the same (a message the provider accepted whose key was not stored yet).
     */
    static final int IN_FLIGHT_PER_CRASH = 2 + 2 * CONCURRENCY;
    static final Path LOGS = Path.of("target/fault-suite");
    final List<BundleProcess> bundles = new ArrayList<>();
    final Map<String, String> topics = new HashMap<>();
    String run;
    Path templates;
    /** Records a scenario published (valid and poison); EVENTS unless it publishes at a steady rate. */
    int published = EVENTS;
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
    /** Extension attributes by index, as JSON members with a trailing comma (e.g. a deliverat); none by default. */
    java.util.function.IntFunction<String> attributes = i -> "";

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
        for (int i = 0; i < published; i++) {
            String id = publishOne(i);
            if (id != null) {
                valid.add(id);
            }
        }
        return valid;
    }

    /** Publishes record {@code i} of the run: poison (returns null) for every 100th, else a valid event (its id). */
    private String publishOne(int i) {
        String id = run + "-" + i;
        if (i % 100 == 50) {
            TestKafka.publish(topics.get("events"), "k" + i, "{poison " + id);
            return null;
        }
        TestKafka.publish(topics.get("events"), "k" + (i % 97), """
                {"specversion":"1.0","id":"%s","source":"/fault","type":"%s","time":"%s",%s
                 "data":{"recipient":%s,"channels":[%s],"template":"fault"}}
                """.formatted(id, type.apply(i), Instant.now(), attributes.apply(i), recipient.apply(i), channels));
        return id;
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
                // each replica its own dedupe store directory (a restarted one finds its own again)
                Map.entry("notify.idempotency.dir", LOGS.resolve(run + "-" + name + "-dedupe").toAbsolutePath().toString()),
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
                Map.entry("notify.smtp.per-second", "2000"),
                Map.entry("notify.email.concurrency", String.valueOf(CONCURRENCY)),
                Map.entry("notify.smtp.pool-size", String.valueOf(CONCURRENCY)),
                Map.entry("notify.pardot.concurrency", String.valueOf(Math.min(CONCURRENCY, 5))),
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

    /** Waits for {@code condition}; a timeout fails the scenario saying what it waited for and where things stood. */
    private static void waitFor(String what, Supplier<Boolean> condition, Duration timeout, Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("timed out after %d s waiting for %s (%s)".formatted(timeout.toSeconds(), what, state.get()));
            }
            Thread.sleep(500);
        }
    }

    private void waitForMailed(int atLeast, Duration timeout) throws InterruptedException {
        waitFor(atLeast + " messages at the SMTP sink", () -> mailed().size() >= atLeast, timeout, () -> "mailed " + mailed().size());
    }

    /** Valid ids not yet at the sink: the work a fault must land on for the scenario to test anything. */
    private long pending(List<String> valid, List<String> sink) {
        Set<String> done = Set.copyOf(sink);
        return valid.stream().filter(id -> !done.contains(id)).count();
    }

    /**
     * Valid events by outcome: delivered, dead-lettered with a reason the scenario expects, or lost; dead letters
     * the scenario does not expect (a valid event dead-lettered for another reason, poison for a reason other than
     * malformed-json) are counted apart and fail it.
     */
    private record Figures(int published, int poison, long delivered, long duplicates, long deadLettered, long poisonDeadLettered,
                           long duplicateDeadLetters, long validDeadLettered, long unexpectedDeadLetters, long lost) {
    }

    /** Where a dead letter's record was read: the same record dead-lettered twice is one dead letter repeated. */
    private static String origin(ConsumerRecord<String, byte[]> deadLetter) {
        return EventSamples.header(deadLetter, "notify-dlq-original-partition") + "@"
                + EventSamples.header(deadLetter, "notify-dlq-original-offset") + "/" + EventSamples.header(deadLetter, "notify-dlq-channel");
    }

    private Figures reconcile(List<String> valid) {
        return reconcile(valid, "email", mailed(), Map.of());
    }

    /**
     * Figures of one channel: {@code sink} holds the ids its server accepted, with repetitions;
     * {@code expectedDeadLetters} the valid ids the scenario expects dead-lettered, with the reason expected.
     */
    private Figures reconcile(List<String> valid, String channel, List<String> sink, Map<String, String> expectedDeadLetters) {
        List<String> subjects = sink;
        Set<String> delivered = Set.copyOf(subjects);
        Set<String> validIds = Set.copyOf(valid);
        List<ConsumerRecord<String, byte[]>> all = deadLetters().stream().filter(r -> {
            String of = EventSamples.header(r, "notify-dlq-channel");
            return of == null || of.isEmpty() || of.equals(channel);
        }).toList();
        Map<String, ConsumerRecord<String, byte[]>> byOrigin = new java.util.LinkedHashMap<>();
        all.forEach(r -> byOrigin.putIfAbsent(origin(r), r));
        List<ConsumerRecord<String, byte[]>> dead = List.copyOf(byOrigin.values());
        long poisonDead = 0;
        Set<String> validDead = new java.util.HashSet<>();
        List<String> unexpected = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : dead) {
            String id = EventSamples.header(r, "notify-dlq-event-id");
            String reason = EventSamples.header(r, "notify-dlq-reason");
            if (id != null && validIds.contains(id)) {
                validDead.add(id);
                if (!reason.equals(expectedDeadLetters.get(id)) || delivered.contains(id)) {
                    unexpected.add(id + ":" + reason + (delivered.contains(id) ? "(also delivered)" : ""));
                }
            } else if ("malformed-json".equals(reason)) {
                poisonDead++;
            } else {
                unexpected.add(origin(r) + ":" + reason);
            }
        }
        if (!unexpected.isEmpty()) {
            System.out.println("FAULT-SUITE unexpected dead letters [" + channel + "] " + unexpected.subList(0, Math.min(20, unexpected.size())));
        }
        List<String> lostIds = valid.stream().filter(id -> !delivered.contains(id) && !validDead.contains(id)).toList();
        if (!lostIds.isEmpty()) {
            explain(lostIds);
        }
        return new Figures(published, published - valid.size(), delivered.size(), subjects.size() - delivered.size(), dead.size(),
                poisonDead, all.size() - dead.size(), validDead.size(), unexpected.size(), lostIds.size());
    }

    /** What every scenario asserts of a channel's figures, besides its own checks. */
    private static void assertAccounted(Figures f, long expectedValidDeadLetters, boolean faultHitPending) {
        assertThat(faultHitPending).as("the fault landed while events were still pending").isTrue();
        assertThat(f.lost()).as("valid events neither delivered nor dead-lettered").isZero();
        assertThat(f.unexpectedDeadLetters()).as("dead letters with a reason the scenario does not expect").isZero();
        assertThat(f.validDeadLettered()).as("valid events dead-lettered (all for the expected reason)").isEqualTo(expectedValidDeadLetters);
        assertThat(f.poisonDeadLettered()).as("poison records dead-lettered").isEqualTo(f.poison());
    }

    /** What the status topic says about events that were neither delivered nor dead-lettered. */
    private void explain(List<String> lostIds) {
        Set<String> lost = Set.copyOf(lostIds);
        List<ConsumerRecord<String, byte[]>> statuses = TestKafka.read(topics.get("status"),
                r -> lost.contains(EventSamples.statusData(r).path("eventId").asText()), Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO);
        System.out.println("FAULT-SUITE lost " + lostIds.size() + ": " + lostIds.subList(0, Math.min(20, lostIds.size())));
        statuses.forEach(r -> System.out.println("FAULT-SUITE   status " + EventSamples.statusData(r)));
    }

    private void report(String scenario, Figures f, boolean faultHitPending, String extra) throws IOException {
        String line = ("%-28s published=%d poison=%d delivered=%d duplicates=%d dead-lettered=%d (poison %d, repeated %d) "
                + "valid-dead-lettered=%d unexpected-dead-letters=%d lost=%d fault-hit-pending=%s %s%n")
                .formatted(scenario, f.published(), f.poison(), f.delivered(), f.duplicates(), f.deadLettered(), f.poisonDeadLettered(),
                        f.duplicateDeadLetters(), f.validDeadLettered(), f.unexpectedDeadLetters(), f.lost(), faultHitPending, extra);
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

    /**
     * A relay on a port of its own that a scenario can take down and bring back (a new server on the same port,
     * added to the list); the mailbox is what all of them accepted.
     */
    private List<ScriptedSmtpServer> relayOnItsOwnPort() {
        smtpPort = FreePort.next();
        List<ScriptedSmtpServer> relays = new java.util.concurrent.CopyOnWriteArrayList<>();
        relays.add(ScriptedSmtpServer.plainOnPort(smtpPort));
        mailbox = () -> relays.stream().flatMap(r -> r.accepted.stream()).map(FaultInjectionIT::subjectOf)
                .filter(id -> id.startsWith(run + "-")).toList();
        return relays;
    }

    /** Every event goes to email and to Pardot (the Pardot stub, accepting everything). */
    private void usePardotStub() {
        TestPardot.acceptEverything();
        String pardot = "http://127.0.0.1:" + TestPardot.server().port();
        extra.putAll(Map.of("notify.pardot.base-url", pardot, "notify.pardot.oauth.instance-url", pardot,
                "notify.pardot.business-unit-id", TestPardot.BUSINESS_UNIT, "notify.pardot.oauth.client-id", "fault-suite",
                "notify.pardot.oauth.client-secret", "s3cr&t+=", "notify.pardot.per-second", "1000"));
        channels = "\"email\",\"pardot\"";
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
        usePardotStub();
        List<String> valid = publish();
        BundleProcess bundle = startBundle("a");
        int kills = 0;
        boolean emailPendingAtEveryKill = true;
        boolean pardotPendingAtEveryKill = true;
        for (int k = 1; k <= 3; k++) {
            waitForMailed(k * valid.size() / 4, Duration.ofSeconds(120));
            bundle.kill();
            kills++;
            // counted after the kill: nothing reaches the sinks from a dead process
            long emailPending = pending(valid, mailed());
            long pardotPending = pending(valid, upserted());
            System.out.printf("FAULT-SUITE kill %d: pending email=%d pardot=%d%n", k, emailPending, pardotPending);
            emailPendingAtEveryKill &= emailPending > 0;
            pardotPendingAtEveryKill &= pardotPending > 0;
            bundle = startBundle("a");
        }
        awaitSettled(valid, Duration.ofSeconds(180));
        waitFor("every valid id upserted", () -> Set.copyOf(upserted()).containsAll(valid), Duration.ofSeconds(60),
                () -> "pending " + pending(valid, upserted()));
        long inFlightBound = (long) kills * IN_FLIGHT_PER_CRASH;
        Figures f = reconcile(valid);
        long overSes = f.delivered() - greenMailSubjects().stream().distinct().count();
        report("kill -9 x3 [email]", f, emailPendingAtEveryKill, "kills=" + kills + " duplicate-bound=" + inFlightBound + " via-ses=" + overSes);
        Figures p = reconcile(valid, "pardot", upserted(), Map.of());
        report("kill -9 x3 [pardot]", p, pardotPendingAtEveryKill, "kills=" + kills + " duplicate-bound=" + inFlightBound);
        assertThat(overSes).as("the SES types went over SES").isGreaterThan(valid.size() / 4);
        assertAccounted(f, 0, emailPendingAtEveryKill);
        assertAccounted(p, 0, pardotPendingAtEveryKill);
        for (Figures channel : List.of(f, p)) {
            assertThat(channel.duplicates()).isLessThanOrEqualTo(inFlightBound);
        }
    }

    @Test
    void sigtermMidStreamFinishesInFlightWorkAndRepeatsNothing() throws Exception {
        newRun("sigterm");
        List<String> valid = publish();
        BundleProcess bundle = startBundle("a");
        waitForMailed(valid.size() / 2, Duration.ofSeconds(120));
        boolean stopped = bundle.stop(Duration.ofSeconds(45)); // SIGTERM: Camel's graceful shutdown
        long pendingAtStop = pending(valid, mailed());
        startBundle("a");
        awaitSettled(valid, Duration.ofSeconds(180));
        Figures f = reconcile(valid);
        report("SIGTERM mid-stream", f, pendingAtStop > 0, "stopped-within-grace=" + stopped + " pending-at-stop=" + pendingAtStop);
        assertThat(stopped).as("stopped within the 45 s grace period").isTrue();
        assertAccounted(f, 0, pendingAtStop > 0);
        assertThat(f.duplicates()).as("a graceful stop commits what it finished").isZero();
    }

    @Test
    void twoReplicasOneKilledAndRestartedLosesNothing() throws Exception {
        newRun("replicas");
        List<String> valid = publish();
        startBundle("a");
        BundleProcess b = startBundle("b");
        waitForMailed(valid.size() / 3, Duration.ofSeconds(120));
        b.kill();
        long pendingAtKill = pending(valid, mailed());
        startBundle("b");
        awaitSettled(valid, Duration.ofSeconds(180));
        Figures f = reconcile(valid);
        report("2 replicas, 1 kill -9", f, pendingAtKill > 0, "duplicate-bound=" + IN_FLIGHT_PER_CRASH + " pending-at-kill=" + pendingAtKill);
        assertAccounted(f, 0, pendingAtKill > 0);
        assertThat(f.duplicates()).as("what was in flight at the killed replica").isLessThanOrEqualTo(IN_FLIGHT_PER_CRASH);
    }


    /** Waits until every valid id was mailed or dead-lettered and every poison record dead-lettered. */
    private void awaitSettled(List<String> valid, Duration timeout) throws InterruptedException {
        waitFor("every valid id mailed or dead-lettered and every poison record dead-lettered", () -> unsettled(valid) == 0, timeout,
                () -> unsettled(valid) + " not settled");
    }

    /** Valid ids neither mailed nor dead-lettered, plus poison records not yet dead-lettered. */
    private long unsettled(List<String> valid) {
        Set<String> done = new java.util.HashSet<>(mailed());
        List<ConsumerRecord<String, byte[]>> dead = deadLetters();
        dead.forEach(r -> done.add(String.valueOf(EventSamples.header(r, "notify-dlq-event-id"))));
        long poisonDead = dead.stream().filter(r -> "malformed-json".equals(EventSamples.header(r, "notify-dlq-reason")))
                .map(FaultInjectionIT::origin).distinct().count();
        return valid.stream().filter(id -> !done.contains(id)).count() + Math.max(0, published - valid.size() - poisonDead);
    }

    @Test
    void brokerStoppedAndRestartedMidStreamLosesNothingAndResumes() throws Exception {
        newRun("broker");
        List<String> valid = publish();
        startBundle("a");
        waitForMailed(valid.size() / 3, Duration.ofSeconds(120));
        TestKafka.stopBroker();
        Thread.sleep(10_000);
        int before = mailed().size();
        // what the broker's absence held up: still pending after 10 s without it
        long pendingWhileDown = pending(valid, mailed());
        TestKafka.startBroker();
        long restarted = System.nanoTime();
        waitFor("a delivery after the broker's return", () -> mailed().size() > before, Duration.ofSeconds(60), () -> "mailed " + before);
        double resumedSeconds = (System.nanoTime() - restarted) / 1e9;
        awaitSettled(valid, Duration.ofSeconds(180));
        Figures f = reconcile(valid);
        report("broker down 10 s", f, pendingWhileDown > 0, "resumed-after=%.1fs duplicate-bound=%d pending-while-down=%d"
                .formatted(resumedSeconds, IN_FLIGHT_PER_CRASH, pendingWhileDown));
        assertAccounted(f, 0, pendingWhileDown > 0);
        assertThat(resumedSeconds).as("processing resumes within 30 s of the broker's return").isLessThan(30);
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
            Map<String, Integer> attempts4xxPerRecipient = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.atomic.AtomicInteger drops = new java.util.concurrent.atomic.AtomicInteger();
            smtp.reply(to -> {
                attempts4xx.incrementAndGet();
                attempts4xxPerRecipient.merge(to, 1, Integer::sum);
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
            waitFor("a first SMTP attempt", () -> attempts4xx.get() > 0, Duration.ofSeconds(60), () -> "none yet");
            Thread.sleep(8_000);
            int during4xx = attempts4xx.get();
            int most4xxPerRecipient = attempts4xxPerRecipient.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            long pendingAfter4xx = pending(valid, mailed());
            smtp.reply(to -> to.startsWith("reject") ? new RejectException(550, "5.7.1 refused by policy") : null);
            waitForMailed(valid.size() / 2, Duration.ofSeconds(120));
            smtp.reply(to -> {
                drops.incrementAndGet();
                return new DropConnectionException(421, "4.4.2 closing connection");
            });
            // at least 5 s of drops, and until some sends met them (deliveries come back from the retry tiers in
            // waves: a fixed 5 s can fall between two)
            Thread.sleep(5_000);
            waitFor("sends that met the 421 + drop", () -> drops.get() >= 5, Duration.ofSeconds(90), () -> "dropped " + drops.get());
            long pendingAfterDrops = pending(valid, mailed());
            smtp.reply(to -> to.startsWith("reject") ? new RejectException(550, "5.7.1 refused by policy") : null);
            awaitSettled(valid, Duration.ofSeconds(180));
            Map<String, String> expected = new HashMap<>();
            rejected.forEach(id -> expected.put(id, "smtp-recipient-rejected"));
            Figures f = reconcile(valid, "email", mailed(), expected);
            List<ConsumerRecord<String, byte[]>> rejectedDead = deadLetters().stream()
                    .filter(r -> rejected.contains(EventSamples.header(r, "notify-dlq-event-id"))).toList();
            // every phase of the fault met pending work: 4xx attempts were made, connections were dropped, and events
            // were still waiting after each
            boolean hitPending = during4xx > 0 && drops.get() > 0 && pendingAfter4xx > 0 && pendingAfterDrops > 0;
            report("smtp 4xx 8 s, 5xx, 421+drop", f, hitPending,
                    ("rejected=%d rejected-dead-letters=%d attempts-during-4xx=%d (most per recipient %d) dropped=%d pending-after-4xx=%d "
                    + "pending-after-drops=%d").formatted(rejected.size(), rejectedDead.size(), during4xx, most4xxPerRecipient, drops.get(),
                    pendingAfter4xx, pendingAfterDrops));
            assertAccounted(f, rejected.size(), hitPending);
            assertThat(Set.copyOf(mailed())).as("everything not rejected for good is delivered after retries")
                    .containsAll(valid.stream().filter(id -> !rejected.contains(id)).toList());
            assertThat(rejectedDead).as("each 5xx dead-lettered exactly once").hasSize(rejected.size());
            assertThat(rejectedDead).allMatch(r -> "smtp-recipient-rejected".equals(EventSamples.header(r, "notify-dlq-reason")));
            // a delivery gets its quick attempts in place (3), then waits on the 30 s retry tier: in the 8 s of 4xx no
            // recipient is tried more often than that, however many deliveries the lanes went through
            assertThat(most4xxPerRecipient).as("attempts per recipient while the server answered 4xx").isBetween(1, 3);
        }
    }

    /**
     * The SMTP relay down for notify.faults.outage-seconds (default 300, the target's 5 minutes) while events for
     * email and Pardot flow at 10/s: the email channel pauses instead of burning its deliveries (no email
     * dead-lettered, about one probe connection per probe interval), ingest and the Pardot channel go on at their
     * usual latency, and once the relay is back every email goes out, once, within 3 minutes.
     */
    @Test
    void smtpRelayDownForFiveMinutesPausesOnlyEmailAndDeadLettersNothing() throws Exception {
        newRun("outage");
        int outageSeconds = Integer.getInteger("notify.faults.outage-seconds", 300);
        int perSecond = 10;
        int probeIntervalSeconds = 10;
        usePardotStub();
        extra.put("notify.stage.pause.probe-interval-seconds", String.valueOf(probeIntervalSeconds));
        List<ScriptedSmtpServer> relays = relayOnItsOwnPort();
        DownRelay down = null;
        List<String> valid = new java.util.concurrent.CopyOnWriteArrayList<>();
        Map<String, Instant> publishedAt = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ScheduledExecutorService publisher = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            startBundle("a");
            publisher.scheduleAtFixedRate(() -> {
                int i = count.getAndIncrement();
                Instant at = Instant.now();
                String id = publishOne(i);
                if (id != null) {
                    publishedAt.put(id, at);
                    valid.add(id);
                }
            }, 0, 1000 / perSecond, java.util.concurrent.TimeUnit.MILLISECONDS);
            waitForMailed(100, Duration.ofSeconds(120));
            Thread.sleep(10_000);

            relays.get(0).close();
            down = new DownRelay(smtpPort);
            Instant outageStart = Instant.now();
            long mailedAtOutage = mailed().size();
            // the breaker opens after a few failed deliveries; from then on only probes knock
            Thread.sleep(30_000);
            int connectionsBefore = down.connections();
            Instant settled = Instant.now();
            Thread.sleep(Math.max(10, outageSeconds - 30) * 1000L);
            int probes = down.connections() - connectionsBefore;
            double pausedSeconds = Duration.between(settled, Instant.now()).toMillis() / 1e3;
            long mailedDuringOutage = mailed().size() - mailedAtOutage;
            long pendingAtReturn = pending(List.copyOf(valid), mailed());
            down.close();
            relays.add(ScriptedSmtpServer.plainOnPort(smtpPort));
            Instant back = Instant.now();
            List<String> dueAtReturn = List.copyOf(valid);
            // events keep coming while the backlog drains
            waitFor("every email published before the relay's return delivered", () -> Set.copyOf(mailed()).containsAll(dueAtReturn),
                    Duration.ofMinutes(3), () -> "pending " + pending(dueAtReturn, mailed()));
            double caughtUpSeconds = Duration.between(back, Instant.now()).toMillis() / 1e3;
            Thread.sleep(Math.max(0, 30_000 - Duration.between(back, Instant.now()).toMillis()));
            publisher.shutdown();
            publisher.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            published = count.get();

            awaitSettled(valid, Duration.ofSeconds(120));
            waitFor("every valid id upserted", () -> Set.copyOf(upserted()).containsAll(valid), Duration.ofSeconds(60),
                    () -> "pending " + pending(valid, upserted()));

            // Pardot during the outage: from the event's publication to its upsert at the stub
            List<Long> pardotMs = new ArrayList<>();
            for (var request : TestPardot.server().findAll(postRequestedFor(urlEqualTo(TestPardot.UPSERT_PATH)))) {
                String email = EventSamples.json(request.getBody()).path("matchEmail").asText();
                Instant at = publishedAt.get(run + "-" + email.substring(1, email.indexOf('@')));
                if (at != null && !at.isBefore(outageStart) && at.isBefore(back)) {
                    pardotMs.add(request.getLoggedDate().getTime() - at.toEpochMilli());
                }
            }
            java.util.Collections.sort(pardotMs);
            long pardotP99 = pardotMs.isEmpty() ? Long.MAX_VALUE : pardotMs.get((int) Math.ceil(pardotMs.size() * 0.99) - 1);

            Figures f = reconcile(valid);
            Figures p = reconcile(valid, "pardot", upserted(), Map.of());
            long allowedProbes = (long) Math.floor(pausedSeconds / probeIntervalSeconds) + 1;
            // the outage held emails back: some were pending when the relay returned, and the bundle did knock
            boolean hitPending = pendingAtReturn > 0 && down.connections() > 0;
            String figures = ("outage=%ds connections-while-paused=%d in %.0fs (allowed %d) emails-during-outage=%d pending-at-return=%d "
                    + "caught-up-after=%.1fs pardot-upserts-during-outage=%d pardot-p99=%dms").formatted(outageSeconds, probes,
                    pausedSeconds, allowedProbes, mailedDuringOutage, pendingAtReturn, caughtUpSeconds, pardotMs.size(), pardotP99);
            report("smtp down %ds [email]".formatted(outageSeconds), f, hitPending, figures);
            report("smtp down %ds [pardot]".formatted(outageSeconds), p, hitPending, "");
            assertAccounted(f, 0, hitPending);
            assertAccounted(p, 0, hitPending);
            assertThat(f.duplicates()).as("every email once").isZero();
            assertThat(probes).as("connections to the relay while the channel is paused").isBetween(1, (int) allowedProbes);
            assertThat(caughtUpSeconds).as("emails held by the outage delivered after the return").isLessThan(180);
            assertThat(pardotMs.size()).as("Pardot kept flowing during the outage").isGreaterThan(outageSeconds * perSecond / 2);
            assertThat(pardotP99).as("Pardot p99 latency during the outage, ms").isLessThanOrEqualTo(2_000);
        } finally {
            publisher.shutdownNow();
            if (down != null) {
                down.close();
            }
            for (ScriptedSmtpServer relay : relays) {
                relay.close();
            }
        }
    }

    /**
     * kill -9 while the email channel is paused (its relay down) and deliveries wait on a retry tier, then a
     * restart that finds the relay still down, then the relay's return: nothing lost, nothing dead-lettered,
     * duplicates within what was in flight at the kill.
     */
    @Test
    void killMinus9WhileTheChannelIsPausedAndRetryTiersHoldDeliveriesLosesNothing() throws Exception {
        newRun("pausekill");
        List<ScriptedSmtpServer> relays = relayOnItsOwnPort();
        DownRelay down = null;
        try {
            List<String> valid = publish();
            BundleProcess bundle = startBundle("a");
            waitForMailed(valid.size() / 4, Duration.ofSeconds(120));
            relays.get(0).close();
            down = new DownRelay(smtpPort);
            DownRelay relayDown = down;
            // the breaker opens after the first failed deliveries (parked on the 30 s tier); then only probes knock
            waitFor("failed deliveries parked on the first retry tier", () -> tierRecords() > 0, Duration.ofSeconds(60),
                    () -> "connections " + relayDown.connections());
            Thread.sleep(5_000);
            long parked = tierRecords();
            long pendingAtKill = pending(valid, mailed());
            bundle.kill();
            startBundle("a");
            // the restarted bundle finds the relay down too: it pauses again
            Thread.sleep(20_000);
            down.close();
            relays.add(ScriptedSmtpServer.plainOnPort(smtpPort));
            awaitSettled(valid, Duration.ofSeconds(180));
            Figures f = reconcile(valid);
            boolean hitPending = pendingAtKill > 0 && parked > 0;
            report("kill -9 while paused + tiers", f, hitPending, "parked-on-tier-at-kill=%d pending-at-kill=%d connections-while-down=%d duplicate-bound=%d"
                    .formatted(parked, pendingAtKill, down.connections(), IN_FLIGHT_PER_CRASH));
            assertAccounted(f, 0, hitPending);
            assertThat(f.duplicates()).as("what was in flight at the kill").isLessThanOrEqualTo(IN_FLIGHT_PER_CRASH);
        } finally {
            if (down != null) {
                down.close();
            }
            for (ScriptedSmtpServer relay : relays) {
                relay.close();
            }
        }
    }

    /**
     * Scheduled sends (half of 300 events, deliverat 90–120 s ahead) waiting on the retry tiers through a graceful
     * restart and then a kill -9: every one goes out, none before its deliverat and none long after it; the events
     * due at once flow meanwhile; duplicates within what was in flight at the kill.
     */
    @Test
    void scheduledSendsWaitingThroughARestartAndAKillMinus9LoseNothingAndNeverGoEarly() throws Exception {
        newRun("scheduled");
        // fewer events: what fell due during a down time is worked off soon after the restart, so lateness measures the tiers
        published = EVENTS * 3 / 10;
        List<ScriptedSmtpServer> relays = relayOnItsOwnPort();
        Map<String, Long> arrivedAt = new java.util.concurrent.ConcurrentHashMap<>();
        relays.get(0).reply(to -> {
            arrivedAt.putIfAbsent(to, System.currentTimeMillis());
            return null;
        });
        long base = (System.currentTimeMillis() + 90_000) / 1000 * 1000;
        Map<String, Long> due = new java.util.concurrent.ConcurrentHashMap<>();
        attributes = i -> {
            if (i % 2 == 1) {
                return "";
            }
            long at = base + (i % 31) * 1000L;
            due.put("f%d@example.com".formatted(i), at);
            return "\"deliverat\":\"%s\",".formatted(Instant.ofEpochMilli(at));
        };
        try {
            List<String> valid = publish();
            int atOnce = valid.size() - due.size();
            BundleProcess bundle = startBundle("a");
            waitForMailed(atOnce / 2, Duration.ofSeconds(120));
            waitFor("scheduled sends parked on the first retry tier", () -> tierRecords() > 0, Duration.ofSeconds(60), () -> "none yet");
            long pendingAtStop = due.keySet().stream().filter(to -> !arrivedAt.containsKey(to)).count();
            // the bundle's down times (from the stop or kill until ready again): a send due then waits for it
            List<long[]> down = new ArrayList<>();
            long stoppedAt = System.currentTimeMillis();
            boolean stopped = bundle.stop(Duration.ofSeconds(45));
            bundle = startBundle("a");
            assertThat(bundle.awaitReady(Duration.ofSeconds(120))).as("ready after the restart").isTrue();
            down.add(new long[] {stoppedAt, System.currentTimeMillis()});
            waitForMailed(atOnce, Duration.ofSeconds(120));
            long pendingAtKill = due.keySet().stream().filter(to -> !arrivedAt.containsKey(to)).count();
            long killedAt = System.currentTimeMillis();
            bundle.kill();
            assertThat(startBundle("a").awaitReady(Duration.ofSeconds(120))).as("ready after the kill").isTrue();
            down.add(new long[] {killedAt, System.currentTimeMillis()});
            awaitSettled(valid, Duration.ofSeconds(240));
            Figures f = reconcile(valid);
            long early = early(due, arrivedAt);
            // how late each went while the bundle was up: after its deliverat, less the down time in between
            long maxLateMs = 0;
            long maxLateUpMs = 0;
            for (Map.Entry<String, Long> e : due.entrySet()) {
                long arrived = arrivedAt.getOrDefault(e.getKey(), Long.MAX_VALUE);
                long downInBetween = down.stream().mapToLong(d -> Math.max(0, Math.min(d[1], arrived) - Math.max(d[0], e.getValue()))).sum();
                maxLateMs = Math.max(maxLateMs, arrived - e.getValue());
                maxLateUpMs = Math.max(maxLateUpMs, arrived - e.getValue() - downInBetween);
            }
            Set<String> scheduledStatuses = new java.util.HashSet<>();
            TestKafka.read(topics.get("status"), r -> "scheduled".equals(EventSamples.statusData(r).path("status").asText()),
                    Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO)
                    .forEach(r -> scheduledStatuses.add(EventSamples.statusData(r).path("eventId").asText()));
            boolean hitPending = pendingAtStop > 0 && pendingAtKill > 0;
            report("scheduled: restart + kill -9", f, hitPending, ("scheduled=%d scheduled-statuses=%d pending-at-stop=%d pending-at-kill=%d "
                    + "early=%d max-late=%.1fs max-late-while-up=%.1fs down=%.1fs stopped-within-grace=%s duplicate-bound=%d").formatted(
                    due.size(), scheduledStatuses.size(), pendingAtStop, pendingAtKill, early, maxLateMs / 1000.0, maxLateUpMs / 1000.0,
                    down.stream().mapToLong(d -> d[1] - d[0]).sum() / 1000.0, stopped, IN_FLIGHT_PER_CRASH));
            assertAccounted(f, 0, hitPending);
            assertThat(early).as("none went before its deliverat").isZero();
            // the first tier's 30 s, a group rejoin after the kill (10 s session timeout), a cold JVM on a loaded machine
            // working off what fell due while it was down; a send left for another hop would be 30 s to an hour later
            assertThat(maxLateUpMs).as("the latest scheduled send after its deliverat while the bundle was up, ms").isLessThan(90_000);
            // those read only after their deliverat (a slow start) go at once, without this status
            assertThat(scheduledStatuses).as("scheduled sends accepted as scheduled").isNotEmpty();
            assertThat(stopped).as("stopped within the 45 s grace period").isTrue();
            assertThat(f.duplicates()).as("what was in flight at the kill").isLessThanOrEqualTo(IN_FLIGHT_PER_CRASH);
        } finally {
            for (ScriptedSmtpServer relay : relays) {
                relay.close();
            }
        }
    }

    /**
     * Digests waiting in their windows through a kill -9: half of 300 events are of a digest type (40-second window,
     * 20 recipients), the bundle is killed while every window is open and started again; every item reaches its
     * recipient in a digest (the relay's messages name the items they carry), each item gets its delivered status
     * pointing at a digest, the events due at once flow meanwhile, and repeats stay within what was in flight.
     */
    @Test
    void digestWindowsOpenThroughAKillMinus9LoseNothing() throws Exception {
        newRun("digest");
        published = EVENTS * 3 / 10;
        String digestType = "com.example.fault.digest";
        Files.createDirectories(templates.resolve("digest"));
        Files.writeString(templates.resolve("digest/subject.ftl"), run + "-digest ${digest.id}");
        Files.writeString(templates.resolve("digest/text.ftl"), "<#list items as item>${item.id}\n</#list>");
        extra.put("notify.digest.types." + digestType + ".window", "PT40S");
        type = i -> i % 2 == 0 ? digestType : "com.example.fault";
        recipient = i -> i % 2 == 0 ? "{\"email\":\"d%d@example.com\"}".formatted(i % 40 / 2) : "{\"email\":\"f%d@example.com\"}".formatted(i);
        List<ScriptedSmtpServer> relays = relayOnItsOwnPort();
        // what reached the relay, as event ids: a message's subject, or for a digest every item it lists
        List<String> digests = new java.util.concurrent.CopyOnWriteArrayList<>();
        mailbox = () -> {
            List<String> ids = new ArrayList<>();
            digests.clear();
            for (byte[] message : relays.stream().flatMap(r -> r.accepted.stream()).toList()) {
                String subject = subjectOf(message);
                if (subject == null || !subject.startsWith(run + "-")) {
                    continue;
                }
                if (subject.startsWith(run + "-digest")) {
                    digests.add(subject);
                    textOf(message).lines().map(String::strip).filter(l -> l.startsWith(run + "-")).forEach(ids::add);
                } else {
                    ids.add(subject);
                }
            }
            return ids;
        };
        try {
            List<String> valid = publish();
            Set<String> digestItems = valid.stream().filter(id -> Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)) % 2 == 0)
                    .collect(java.util.stream.Collectors.toSet());
            BundleProcess bundle = startBundle("a");
            String digestTopic = topics.get("events") + ".digest";
            waitFor("digest items collected on the digest topic", () -> topicRecords(digestTopic) >= digestItems.size() / 2,
                    Duration.ofSeconds(120), () -> topicRecords(digestTopic) + " on the digest topic");
            mailed();
            long digestsAtKill = digests.size();
            long collectedAtKill = topicRecords(digestTopic);
            bundle.kill();
            assertThat(startBundle("a").awaitReady(Duration.ofSeconds(120))).as("ready after the kill").isTrue();
            awaitSettled(valid, Duration.ofSeconds(240));
            Figures f = reconcile(valid);
            Map<String, String> itemDigest = new HashMap<>();
            TestKafka.read(topics.get("status"), r -> "delivered".equals(EventSamples.statusData(r).path("status").asText())
                    && digestItems.contains(EventSamples.statusData(r).path("eventId").asText()), Integer.MAX_VALUE, Duration.ofSeconds(3), Duration.ZERO)
                    .forEach(r -> itemDigest.put(EventSamples.statusData(r).path("eventId").asText(),
                            EventSamples.statusData(r).path("digestId").asText("")));
            long withDigestId = itemDigest.values().stream().filter(d -> !d.isEmpty()).count();
            boolean hitPending = digestsAtKill == 0 && collectedAtKill > 0;
            report("digest: kill -9 in windows", f, hitPending, ("digest-items=%d collected-at-kill=%d digests-at-kill=%d digest-messages=%d "
                    + "items-delivered-status=%d with-digest-id=%d duplicate-bound=%d").formatted(digestItems.size(), collectedAtKill,
                    digestsAtKill, digests.size(), itemDigest.size(), withDigestId, IN_FLIGHT_PER_CRASH));
            assertAccounted(f, 0, hitPending);
            // one per recipient window: 20 recipients, and a window that closed while the bundle was down (40 s from its
            // first item) leaves the items read after the restart to a second one; never an item in two (duplicates)
            assertThat(digests.size()).as("digest messages: one or two windows per recipient (and repeats in flight)")
                    .isBetween(20, 2 * 20 + IN_FLIGHT_PER_CRASH);
            assertThat(itemDigest.keySet()).as("every digest item has its delivered status").containsExactlyInAnyOrderElementsOf(digestItems);
            assertThat(withDigestId).as("each pointing at its digest").isEqualTo(digestItems.size());
            assertThat(f.duplicates()).as("what was in flight at the kill").isLessThanOrEqualTo(IN_FLIGHT_PER_CRASH);
        } finally {
            for (ScriptedSmtpServer relay : relays) {
                relay.close();
            }
        }
    }

    /** Records written to a topic so far (its end offsets). */
    private static long topicRecords(String topic) {
        try {
            return TestKafka.endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
        } catch (IllegalStateException notYet) {
            return 0; // the bundle has not created it yet
        }
    }

    /** The text of a plain message (a digest of the fault templates has a text part only). */
    private static String textOf(byte[] message) {
        try {
            Object content = new MimeMessage(jakarta.mail.Session.getInstance(new java.util.Properties()),
                    new java.io.ByteArrayInputStream(message)).getContent();
            if (content instanceof jakarta.mail.Multipart multipart) {
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < multipart.getCount(); i++) {
                    if (multipart.getBodyPart(i).isMimeType("text/plain")) {
                        text.append(multipart.getBodyPart(i).getContent());
                    }
                }
                return text.toString();
            }
            return String.valueOf(content);
        } catch (jakarta.mail.MessagingException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Scheduled recipients the relay took before their deliverat. */
    private static long early(Map<String, Long> due, Map<String, Long> arrivedAt) {
        return due.entrySet().stream().filter(e -> arrivedAt.getOrDefault(e.getKey(), Long.MAX_VALUE) < e.getValue()).count();
    }

    /** Records written to the run's first retry tier topic so far (the default tiers: 30 s first). */
    private long tierRecords() {
        return TestKafka.endOffsets(topics.get("events") + ".retry.30s").values().stream().mapToLong(Long::longValue).sum();
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
            waitForMailed(valid.size() / 3, Duration.ofSeconds(120));
            var outage = contacts.stubFor(get(urlPathMatching("/api/contacts/.*")).atPriority(1)
                    .willReturn(aResponse().withStatus(503)));
            int lookupsBefore = contacts.getAllServeEvents().size();
            Thread.sleep(30_000);
            int lookupsDuringOutage = contacts.getAllServeEvents().size() - lookupsBefore;
            long pendingAtOutageEnd = pending(valid, mailed());
            contacts.removeStub(outage);
            awaitSettled(valid, Duration.ofSeconds(180));
            Figures f = reconcile(valid);
            boolean hitPending = lookupsDuringOutage > 0 && pendingAtOutageEnd > 0;
            report("contacts API down 30 s", f, hitPending,
                    "lookups-during-outage=" + lookupsDuringOutage + " pending-at-outage-end=" + pendingAtOutageEnd);
            assertAccounted(f, 0, hitPending);
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
