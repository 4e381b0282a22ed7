package com.example.notify.bench;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.subethamail.smtp.server.SMTPServer;

/**
 * D1/D2's relay: accepts every message and answers each one {@code delayMs} after its data arrived, like a
 * provider's relay a few milliseconds away that takes its time to queue it. Postfix's smtp-sink delays only in
 * whole seconds. SubEthaSMTP (a test dependency already) in the harness JVM, a thread per connection, so
 * messages on different connections wait side by side; far more connections allowed than the bundle opens.
 */
final class DelayingSmtpSink implements AutoCloseable {

    private final SMTPServer server;
    final AtomicLong messages = new AtomicLong();

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
                })
                .build();
        server.start();
    }

    int port() {
        return server.getPortAllocated();
    }

    @Override
    public void close() {
        server.stop();
    }
}
