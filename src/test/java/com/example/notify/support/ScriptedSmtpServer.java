package com.example.notify.support;

import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

/**
 * A real SMTP server (SubEthaSMTP) whose reply to each message the test scripts, that counts the SMTP
 * sessions it accepted and that offers or requires STARTTLS with a throw-away certificate for 127.0.0.1.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    public final AtomicInteger sessions = new AtomicInteger();
    public final AtomicInteger tlsSessions = new AtomicInteger();
    public final List<byte[]> accepted = new CopyOnWriteArrayList<>();
    private volatile Function<String, RejectException> reply = to -> null;
    private final SMTPServer server;

    private ScriptedSmtpServer(boolean tls, int idleTimeoutMs) {
        this(tls, idleTimeoutMs, 0);
    }

    private ScriptedSmtpServer(boolean tls, int idleTimeoutMs, int port) {
        SMTPServer.Builder builder = SMTPServer.port(port)
                .bindAddress(java.net.InetAddress.getLoopbackAddress())
                .connectionTimeoutMs(idleTimeoutMs)
                .maxConnections(100)
                .messageHandler((context, from, to, data) -> {
                    RejectException rejection = reply.apply(to);
                    if (rejection != null) {
                        throw rejection;
                    }
                    accepted.add(data);
                })
                .sessionHandler(new SessionHandler() {
                    @Override
                    public SessionAcceptance accept(Session session) {
                        sessions.incrementAndGet();
                        return SessionAcceptance.success();
                    }

                    @Override
                    public void onSessionEnd(Session session) {
                        if (session.isTLSStarted()) {
                            tlsSessions.incrementAndGet();
                        }
                    }
                });
        if (tls) {
            builder.enableTLS().requireTLS().startTlsSocketFactory(selfSignedContext());
        }
        server = builder.build();
        server.start();
    }

    /** Plain SMTP, no STARTTLS offered; the server drops connections idle for {@code idleTimeoutMs}. */
    public static ScriptedSmtpServer plain(int idleTimeoutMs) {
        return new ScriptedSmtpServer(false, idleTimeoutMs);
    }

    /** Plain SMTP on a given port (a test that takes the server away and brings it back on the same address). */
    public static ScriptedSmtpServer plainOnPort(int port) {
        // the address was just released (a DownRelay, an earlier server): the bind can fail for a moment
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            try {
                return new ScriptedSmtpServer(false, 60_000, port);
            } catch (RuntimeException e) {
                if (!(e.getCause() instanceof java.net.BindException) || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Offers STARTTLS and refuses mail before it. */
    public static ScriptedSmtpServer requiringStartTls() {
        return new ScriptedSmtpServer(true, 60_000);
    }

    public int port() {
        return server.getPortAllocated();
    }

    /** Decides per recipient: null accepts, a RejectException replies with its code and text. */
    public void reply(Function<String, RejectException> reply) {
        this.reply = reply;
    }

    @Override
    public void close() {
        server.stop();
    }

    private static SSLContext selfSignedContext() {
        try {
            Path dir = Files.createTempDirectory("smtp-tls");
            Path store = dir.resolve("server.p12");
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                    "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                    .redirectErrorStream(true).start();
            keytool.getInputStream().readAllBytes();
            if (keytool.waitFor() != 0) {
                throw new IllegalStateException("keytool failed");
            }
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            try (FileInputStream in = new FileInputStream(store.toFile())) {
                keyStore.load(in, "changeit".toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
