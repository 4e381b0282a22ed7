package com.example.notify.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.example.notify.failure.NotificationFailureException;
import com.example.notify.failure.PermanentFailureException;
import com.example.notify.failure.TransientFailureException;
import com.example.notify.support.ScriptedSmtpServer;
import com.example.notify.support.TestSmtp;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import java.util.UUID;
import org.apache.camel.component.mail.DefaultJavaMailSender;
import org.junit.jupiter.api.Test;
import org.subethamail.smtp.RejectException;

/** The pooled sender against real SMTP servers: GreenMail (SMTPS, AUTH) and a scripted SubEthaSMTP. */
class PooledJavaMailSenderTest {

    private static MimeMessage message(String subject, String to) throws MessagingException {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("billing@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject);
        message.setText("hello");
        message.saveChanges();
        return message;
    }

    private static PooledJavaMailSender sender(int port, int poolSize) {
        PooledJavaMailSender sender = new PooledJavaMailSender();
        sender.setHost("127.0.0.1");
        sender.setPort(port);
        sender.setPoolSize(poolSize);
        sender.setConnectTimeoutMs(5000);
        sender.setReadTimeoutMs(5000);
        return sender;
    }

    private static NotificationFailureException classified(MessagingException e) {
        assertThat(e.getCause()).isInstanceOf(NotificationFailureException.class);
        return (NotificationFailureException) e.getCause();
    }

    @Test
    void smtpsWithAuthDelivers() throws Exception {
        String subject = "smtps-" + UUID.randomUUID();
        try (PooledJavaMailSender sender = sender(TestSmtp.smtpsPort(), 1)) {
            sender.setProtocol("smtps");
            sender.setSslTrust("*");
            sender.setCheckServerIdentity(false); // GreenMail's certificate names no host
            sender.setUsername(TestSmtp.USER);
            sender.setPassword(TestSmtp.PASSWORD);
            sender.send(message(subject, "jane.doe@example.com"));
        }
        assertThat(TestSmtp.received(subject)).hasSize(1);
    }

    @Test
    void wrongPasswordIsAPermanentAuthFailure() throws Exception {
        try (PooledJavaMailSender sender = sender(TestSmtp.smtpsPort(), 1)) {
            sender.setProtocol("smtps");
            sender.setSslTrust("*");
            sender.setCheckServerIdentity(false); // GreenMail's certificate names no host
            sender.setUsername(TestSmtp.USER);
            sender.setPassword("wrong");
            MessagingException e = catchThrowableOfType(MessagingException.class,
                    () -> sender.send(message("x", "jane.doe@example.com")));
            assertThat(classified(e)).isInstanceOf(PermanentFailureException.class);
            assertThat(classified(e).reason()).isEqualTo("smtp-auth-failed");
            assertThat(e.getMessage()).doesNotContain("wrong");
        }
    }

    @Test
    void requiredStartTlsIsNegotiated() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.requiringStartTls();
             PooledJavaMailSender sender = sender(server.port(), 1)) {
            sender.setStartTlsRequired(true);
            sender.setSslTrust("127.0.0.1");
            sender.send(message("tls", "jane.doe@example.com"));
            sender.close();
            assertThat(server.accepted).hasSize(1);
            org.awaitility.Awaitility.await().until(() -> server.tlsSessions.get() == 1);
        }
    }

    @Test
    void requiredStartTlsRefusesAServerWithoutIt() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.plain(60_000);
             PooledJavaMailSender sender = sender(server.port(), 1)) {
            sender.setStartTlsRequired(true);
            MessagingException e = catchThrowableOfType(MessagingException.class,
                    () -> sender.send(message("x", "jane.doe@example.com")));
            assertThat(classified(e).reason()).isEqualTo("smtp-starttls-unavailable");
            assertThat(server.accepted).isEmpty();
        }
    }

    @Test
    void internationalisedAddressGoesOnlyToARelayAdvertisingSmtpUtf8() throws Exception {
        // GreenMail does not advertise SMTPUTF8: refused before sending, permanently (no retry, no circuit count)
        try (PooledJavaMailSender sender = sender(TestSmtp.smtpPort(), 1)) {
            sender.setAllowUtf8Addresses(true);
            MessagingException refused = catchThrowableOfType(MessagingException.class,
                    () -> sender.send(message("x", "j\u00f6rg@example.com")));
            assertThat(classified(refused)).isInstanceOf(PermanentFailureException.class);
            assertThat(classified(refused).reason()).isEqualTo("invalid-recipient-address");
            assertThat(refused.getMessage()).doesNotContain("rg@example.com");
        }
        // SubEthaSMTP advertises it: sent
        try (ScriptedSmtpServer server = ScriptedSmtpServer.plain(60_000);
             PooledJavaMailSender sender = sender(server.port(), 1)) {
            sender.setAllowUtf8Addresses(true);
            sender.send(message("x", "j\u00f6rg@example.com"));
            assertThat(server.accepted).hasSize(1);
        }
    }

    @Test
    void repliesAreClassifiedByCode() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.plain(60_000);
             PooledJavaMailSender sender = sender(server.port(), 1)) {
            server.reply(to -> to.startsWith("busy") ? new RejectException(450, "4.2.1 mailbox busy")
                    : to.startsWith("gone") ? new RejectException(550, "5.1.1 <gone@example.com> unknown user") : null);

            MessagingException busy = catchThrowableOfType(MessagingException.class, () -> sender.send(message("x", "busy@example.com")));
            assertThat(classified(busy)).isInstanceOf(TransientFailureException.class);
            assertThat(classified(busy).reason()).isEqualTo("smtp-mailbox-busy");

            MessagingException gone = catchThrowableOfType(MessagingException.class, () -> sender.send(message("x", "gone@example.com")));
            assertThat(classified(gone)).isInstanceOf(com.example.notify.failure.HardBounceException.class);
            assertThat(classified(gone).reason()).isEqualTo("smtp-recipient-unknown");
            assertThat(gone.getMessage()).contains("SMTP 550").contains("g***@example.com").doesNotContain("gone@example.com");

            sender.send(message("x", "ok@example.com"));
            assertThat(server.accepted).hasSize(1);
        }
    }

    @Test
    void thousandMessagesUseAtMostPoolSizeSessionsWhereTheDefaultSenderUsesOneEach() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.plain(60_000);
             PooledJavaMailSender sender = sender(server.port(), 2)) {
            // no retirement in this test: with the default of 500, an uneven share between the two
            // connections legitimately opens a third
            sender.setMaxMessagesPerConnection(10_000);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            java.util.List<java.util.concurrent.Future<?>> sends = new java.util.ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                sends.add(pool.submit(() -> {
                    sender.send(message("many", "jane.doe@example.com"));
                    return null;
                }));
            }
            for (var f : sends) {
                f.get();
            }
            pool.shutdown();
            assertThat(server.accepted).hasSize(1000);
            assertThat(server.sessions.get()).as("server-side SMTP sessions").isLessThanOrEqualTo(2);

            DefaultJavaMailSender camelDefault = new DefaultJavaMailSender();
            camelDefault.setHost("127.0.0.1");
            camelDefault.setPort(server.port());
            camelDefault.setProtocol("smtp");
            int before = server.sessions.get();
            for (int i = 0; i < 50; i++) {
                camelDefault.send(message("one-each", "jane.doe@example.com"));
            }
            assertThat(server.sessions.get() - before).as("camel-mail's default sender: one session per message").isEqualTo(50);
        }
    }

    @Test
    void connectionIsRetiredAfterMaxMessages() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.plain(60_000);
             PooledJavaMailSender sender = sender(server.port(), 1)) {
            sender.setMaxMessagesPerConnection(100);
            MimeMessage message = message("retire", "jane.doe@example.com");
            for (int i = 0; i < 1000; i++) {
                sender.send(message);
            }
            assertThat(server.sessions.get()).isEqualTo(10);
        }
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplacedWithoutFailingTheSend() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.plain(500);
             PooledJavaMailSender sender = sender(server.port(), 1)) {
            sender.send(message("first", "jane.doe@example.com"));
            Thread.sleep(1500); // the server times the idle session out
            sender.send(message("second", "jane.doe@example.com"));
            assertThat(server.accepted).hasSize(2);
            assertThat(server.sessions.get()).isEqualTo(2);
        }
    }
}
