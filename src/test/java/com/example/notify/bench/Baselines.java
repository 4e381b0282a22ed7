package com.example.notify.bench;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The baselines the bundle is measured against, run in the same invocation as the bundle. */
final class Baselines {

    private Baselines() {
    }

    /**
     * R_jm: a plain Jakarta Mail program sending pre-rendered messages (what the bundle's welcome template
     * renders: subject, text and HTML alternatives, Message-ID) over {@code connections} connections it keeps
     * open, one thread each. Messages/s over the measured part, after a short warm-up.
     */
    static double jakartaMail(int smtpPort, int messages, int connections) throws Exception {
        // as the bundle does: without it every encode scans the classpath through ServiceLoader
        System.setProperty("jakarta.mail.util.StreamProvider", "org.eclipse.angus.mail.util.MailStreamProvider");
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", String.valueOf(smtpPort));
        Session session = Session.getInstance(properties);
        int warmUp = Math.min(1000, Math.max(connections, messages / 10));
        List<MimeMessage> prepared = new ArrayList<>(messages + warmUp);
        for (int i = 0; i < messages + warmUp; i++) {
            prepared.add(message(session, i));
        }
        send(session, prepared.subList(0, warmUp), connections);
        long start = System.nanoTime();
        send(session, prepared.subList(warmUp, prepared.size()), connections);
        return messages / ((System.nanoTime() - start) / 1e9);
    }

    private static MimeMessage message(Session session, int i) throws Exception {
        int contact = i % BundleRun.CONTACTS;
        String name = "Customer c-" + contact;
        MimeMessage message = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", "<" + UUID.randomUUID() + ".email@example.com>");
            }
        };
        message.setFrom(new InternetAddress("notifications@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("c-" + contact + "@example.com", name));
        message.setSubject("Welcome, " + name, "UTF-8");
        MimeBodyPart text = new MimeBodyPart();
        text.setText("Welcome, " + name + "!\n\nYour account is ready.\n", "UTF-8");
        MimeBodyPart html = new MimeBodyPart();
        html.setContent("<!DOCTYPE html>\n<html lang=\"en\"><body>\n<h1>Welcome, " + name
                + "!</h1>\n<p>Your account is ready.</p>\n</body></html>\n", "text/html; charset=UTF-8");
        MimeMultipart alternatives = new MimeMultipart("alternative", text, html);
        message.setContent(alternatives);
        message.saveChanges();
        return message;
    }

    private static void send(Session session, List<MimeMessage> messages, int connections) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(connections);
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int first = c;
                senders.add(threads.submit(() -> {
                    try (Transport transport = session.getTransport("smtp")) {
                        transport.connect();
                        for (int i = first; i < messages.size(); i += connections) {
                            MimeMessage message = messages.get(i);
                            transport.sendMessage(message, message.getAllRecipients());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> sender : senders) {
                sender.get();
            }
        } finally {
            threads.shutdown();
        }
    }

    /**
     * R_kafka: Kafka's own consumer benchmark (what kafka-consumer-perf-test runs) reading {@code messages}
     * records of {@code topic} in its own JVM; its fetch rate (records/s without the group join).
     */
    static double kafkaConsumer(String bootstrapServers, String topic, int messages, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), "org.apache.kafka.tools.ConsumerPerformance",
                "--bootstrap-server", bootstrapServers, "--topic", topic, "--messages", String.valueOf(messages),
                "--group", "bench-perf-" + UUID.randomUUID(), "--timeout", "60000"));
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                lines.add(line);
            }
        }
        if (process.waitFor() != 0) {
            throw new IllegalStateException("kafka ConsumerPerformance failed, see " + log);
        }
        // header "start.time, end.time, …, fetch.nMsg.sec", then one line of figures
        for (int i = 0; i + 1 < lines.size(); i++) {
            List<String> header = Arrays.stream(lines.get(i).split(",")).map(String::trim).toList();
            int column = header.indexOf("fetch.nMsg.sec");
            if (column >= 0) {
                return Double.parseDouble(lines.get(i + 1).split(",")[column].trim());
            }
        }
        throw new IllegalStateException("no figures from kafka ConsumerPerformance: " + lines);
    }
}
