package com.example.notify.bench;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.subethamail.smtp.server.SMTPServer;

/**
 * D1/D2's relay: accepts every message and answers each one {@code delayMs} after its data arrived, like a
 * provider's relay a few milliseconds away that takes its time to queue it. Postfix's smtp-sink delays only in
 * whole seconds. SubEthaSMTP (a test dependency already) in the harness JVM, a thread per connection, so
 * messages on different connections wait side by side; far more connections allowed than the bundle opens.
 * D4 listens for each recipient as its message is answered ({@link #onAnswered}).
 */
final class DelayingSmtpSink implements AutoCloseable {

    private final SMTPServer server;
    final AtomicLong messages = new AtomicLong();
    /** Called with each message's recipient once it is answered (the delay over): when the bundle's delivery completes. */
    private volatile Consumer<String> onAnswered = to -> { };

    DelayingSmtpSink(long delayMs) {
        server = SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .maxConnections(1000)
                .messageHandler((context, from, to, data) -> {
                    try {
                        Thread.sleep(delayMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    messages.incrementAndGet();
                    onAnswered.accept(to);
                })
                .build();
        server.start();
    }

    /** Listens for the recipients answered from now on (replacing any earlier listener); {@code null} stops listening. */
    void onAnswered(Consumer<String> listener) {
        onAnswered = listener == null ? to -> { } : listener;
    }

    int port() {
        return server.getPortAllocated();
    }

    @Override
    public void close() {
        server.stop();
    }
}
