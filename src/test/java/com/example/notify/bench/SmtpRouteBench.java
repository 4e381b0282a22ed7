package com.example.notify.bench;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.Main;

/**
 * Emails per second through the real deliver-smtp route (routes/deliver-smtp.camel.yaml, throttle set out of
 * the way) into an SMTP sink, with the pooled sender and with camel-mail's default sender (a connection per
 * message), interleaved A/B, median of the repetitions. Run by bench/smtp-route-bench, which starts Postfix's
 * smtp-sink: {@code SmtpRouteBench <sink port> [messages] [repetitions] [callers]}.
 */
public final class SmtpRouteBench {

    private SmtpRouteBench() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        int repetitions = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int callers = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        List<Double> pooled = new ArrayList<>();
        List<Double> standard = new ArrayList<>();
        run(port, Math.min(messages, 500), callers, true); // warm-up: JIT, class loading
        for (int r = 0; r < repetitions; r++) {
            pooled.add(run(port, messages, callers, true));
            standard.add(run(port, messages, callers, false));
            System.out.printf("rep %d: pooled %.0f msg/s, camel-mail default %.0f msg/s%n", r + 1,
                    pooled.get(r), standard.get(r));
        }
        double p = median(pooled);
        double d = median(standard);
        System.out.println();
        System.out.println("| sender | emails/s (median of " + repetitions + ", " + messages + " msgs, " + callers + " callers) |");
        System.out.println("|---|---|");
        System.out.printf("| pooled (notify.smtp.pool-size=%d) | %.0f |%n", callers, p);
        System.out.printf("| camel-mail default (connection per message) | %.0f |%n", d);
        System.out.printf("| ratio pooled / default | %.2f |%n", p / d);
    }

    private static double run(int port, int messages, int callers, boolean pooledSender) throws Exception {
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:application.properties");
        main.addOverrideProperty("camel.main.routes-include-pattern",
                "file:routes/error-handling.camel.yaml,file:routes/deliver-smtp.camel.yaml");
        main.addOverrideProperty("notify.kafka.brokers", "127.0.0.1:9");
        main.addOverrideProperty("notify.smtp.host", "127.0.0.1");
        main.addOverrideProperty("notify.smtp.port", String.valueOf(port));
        main.addOverrideProperty("notify.smtp.starttls", "false");
        main.addOverrideProperty("notify.smtp.starttls-required", "false");
        main.addOverrideProperty("notify.smtp.pool-size", String.valueOf(callers));
        main.addOverrideProperty("notify.smtp.per-second", "1000000");
        main.addOverrideProperty("notify.smtp.endpoint-options", pooledSender ? "javaMailSender=#smtpSender" : "debugMode=false");
        // the throttle asks the channel shares (routes/channel-stage.camel.yaml, not loaded here): one replica, whole limit
        main.bind("channelShares", new com.example.notify.stage.ChannelShares());
        main.start();
        try {
            ProducerTemplate template = main.getCamelContext().createProducerTemplate();
            List<MimeMessage> bodies = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                bodies.add(message(i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            long start = System.nanoTime();
            List<Future<?>> sends = new ArrayList<>();
            for (MimeMessage body : bodies) {
                sends.add(pool.submit(() -> template.sendBody("direct:deliver-smtp", body)));
            }
            for (Future<?> f : sends) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            return messages / seconds;
        } finally {
            main.stop();
        }
    }

    /** A pre-rendered ~2 KB multipart/alternative message, like the templates produce. */
    private static MimeMessage message(int i) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("billing@example.com", "Example Billing"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("user" + i + "@example.com"));
        message.setSubject("Your invoice of 12.00 EUR is due", "UTF-8");
        MimeMultipart alternative = new MimeMultipart("alternative");
        MimeBodyPart text = new MimeBodyPart();
        text.setText("Hello,\n\nyour invoice of 12.00 EUR is due on 2026-12-01.\n\nThank you.\n".repeat(8), "UTF-8");
        MimeBodyPart html = new MimeBodyPart();
        html.setText("<p>Hello,</p><p>your invoice of <strong>12.00 EUR</strong> is due.</p>".repeat(8), "UTF-8", "html");
        alternative.addBodyPart(text);
        alternative.addBodyPart(html);
        message.setContent(alternative);
        message.saveChanges();
        return message;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
