package com.example.notify.support;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.util.Arrays;
import java.util.List;

/**
 * One real SMTP server (GreenMail: plain SMTP and SMTPS, AUTH for user {@code notify}/{@code s3cret&+=})
 * for the test JVM, started on first use on free ports.
 */
public final class TestSmtp {

    public static final String USER = "notify";
    public static final String PASSWORD = "s3cret&+=";
    private static GreenMail greenMail;

    private TestSmtp() {
    }

    public static synchronized GreenMail server() {
        if (greenMail == null) {
            ServerSetup smtp = new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort();
            ServerSetup smtps = new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS).dynamicPort();
            // GreenMail's 2 s start-up timeout failed tests on the loaded 2-core machine
            smtp.setServerStartupTimeout(30_000);
            smtps.setServerStartupTimeout(30_000);
            greenMail = new GreenMail(new ServerSetup[] {smtp, smtps}).withConfiguration(GreenMailConfiguration.aConfig().withUser("notify@example.com", USER, PASSWORD));
            greenMail.start();
            Runtime.getRuntime().addShutdownHook(new Thread(greenMail::stop));
        }
        return greenMail;
    }

    public static int smtpPort() {
        return server().getSmtp().getPort();
    }

    public static int smtpsPort() {
        return server().getSmtps().getPort();
    }

    /** Messages received so far whose Message-ID contains {@code marker}. */
    public static List<MimeMessage> received(String marker) {
        return Arrays.stream(server().getReceivedMessages()).filter(m -> {
            try {
                return m.getMessageID() != null && m.getMessageID().contains(marker)
                        || m.getSubject() != null && m.getSubject().contains(marker);
            } catch (Exception e) {
                return false;
            }
        }).toList();
    }
}
