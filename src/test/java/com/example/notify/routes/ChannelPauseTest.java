package com.example.notify.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.DownRelay;
import com.example.notify.support.EventSamples;
import com.example.notify.support.FreePort;
import com.example.notify.support.ScriptedSmtpServer;
import com.example.notify.support.TestKafka;
import com.example.notify.support.TestTemplates;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A relay outage pauses the email channel instead of burning its deliveries: the relay's address answers every
 * connection by closing it (a relay that is down), the channel's breaker opens, its consumer pauses and only a
 * probe per interval reaches the address; nothing is dead-lettered; when a real SMTP server is back on the
 * address, every email goes out once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=pause.events",
            "notify.kafka.topic.status=pause.status",
            "notify.kafka.topic.dlq=pause.dlq",
            "notify.kafka.group-id=pause-test",
            "notify.idempotency.repository=memoryIdempotency",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.smtp.connect-timeout-ms=2000",
            "notify.smtp.read-timeout-ms=2000",
            "notify.smtp.per-second=1000",
            "notify.retry.channel.in-place-redeliveries=1",
            "notify.retry.channel.initial-delay-ms=100",
            "notify.retry.tiers=2s,4s",
            "notify.stage.pause.minimum-calls=4",
            "notify.stage.pause.window=8",
            "notify.stage.pause.probe-interval-seconds=3"
        })
class ChannelPauseTest {

    static final String EVENTS = "pause.events";
    static final int PORT = FreePort.next();
    static final int EVENT_COUNT = 30;
    static volatile DownRelay down;
    static volatile ScriptedSmtpServer up;

    static {
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(PORT));
        System.setProperty("notify.email.templates-dir", TestTemplates.subjectIsEventId("pause").toString());
        TestKafka.createTopics(List.of(EVENTS, "pause.status", "pause.dlq"), Set.of());
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (up != null) {
            up.close();
        }
        if (down != null) {
            down.close();
        }
        System.clearProperty("notify.smtp.port");
        System.clearProperty("notify.email.templates-dir");
    }

    @Test
    void anOutagePausesTheChannelWithoutDeadLettersAndEverythingGoesOutOnceAfterIt() throws Exception {
        down = new DownRelay(PORT);
        String run = TestKafka.uniqueName("p");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < EVENT_COUNT; i++) {
            ids.add(run + "-" + i);
            TestKafka.publish(EVENTS, "k" + i, """
                    {"specversion":"1.0","id":"%s","source":"/pause","type":"com.example.pause",
                     "data":{"recipient":{"email":"p%d-%s@example.com"},"channels":["email"],"template":"pause"}}
                    """.formatted(run + "-" + i, i, run));
        }
        // the breaker opens after a few failed deliveries
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> down.connections() >= 4);
        Thread.sleep(3_000);
        int before = down.connections();
        Thread.sleep(12_000);
        int during = down.connections() - before;
        // paused: one probe every 3 s and no attempt in place for it: at most 5 connections in 12 s. Unpaused,
        // 30 deliveries x 2 attempts and their retry rounds would have connected well over 60 times.
        assertThat(during).as("connections in 12 s while the channel is paused").isBetween(1, 5);

        down.close();
        up = ScriptedSmtpServer.plainOnPort(PORT);
        long back = System.currentTimeMillis();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> delivered(run).size() >= EVENT_COUNT);
        System.out.printf("CHANNEL-PAUSE connections-while-paused-12s=%d all-delivered-after=%.1fs%n", during,
                (System.currentTimeMillis() - back) / 1e3);
        Thread.sleep(2_000);
        // every delivery record read to its end: nothing left behind a paused partition
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                TestKafka.committedOffsets("pause-test-email", "pause.events.deliver.email"))
                .isEqualTo(TestKafka.endOffsets("pause.events.deliver.email")));
        assertThat(delivered(run)).as("every email once").hasSize(EVENT_COUNT).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(TestKafka.read("pause.dlq", r -> String.valueOf(EventSamples.header(r, "notify-dlq-event-id")).startsWith(run), 1,
                Duration.ofSeconds(3), Duration.ZERO)).as("no dead letter").isEmpty();
    }

    private static List<String> delivered(String run) {
        if (up == null) {
            return List.of();
        }
        return up.accepted.stream().map(ChannelPauseTest::subject).filter(s -> s.startsWith(run + "-")).toList();
    }

    private static String subject(byte[] message) {
        try {
            return new MimeMessage(jakarta.mail.Session.getInstance(new Properties()), new ByteArrayInputStream(message)).getSubject();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
