package com.example.notify.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The third-party HTTP APIs the harness cannot run for real, answering after a configurable latency: the
 * contacts API ({@code GET /api/contacts/{id}}), Salesforce's token endpoint and Pardot's upsert. Counts the
 * upserts in flight at the server, which is where a concurrency cap must hold. The JDK's own server with a
 * thread per request, so the stub itself never queues a request behind another.
 */
final class HttpStubs implements AutoCloseable {

    static final String UPSERT_PATH = "/api/v5/objects/prospects/do/upsertLatestByEmail";
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private volatile long contactLatencyMs;
    private volatile long upsertLatencyMs;
    private final AtomicInteger upsertsInFlight = new AtomicInteger();
    private final AtomicInteger maxUpsertsInFlight = new AtomicInteger();
    private final AtomicLong upserts = new AtomicLong();
    private final AtomicLong contactLookups = new AtomicLong();

    HttpStubs(long contactLatencyMs, long upsertLatencyMs) throws IOException {
        this.contactLatencyMs = contactLatencyMs;
        this.upsertLatencyMs = upsertLatencyMs;
        // without TCP_NODELAY the body waits for the ACK of the headers: a delayed ACK adds ~40 ms per answer
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.setExecutor(threads);
        server.createContext("/api/contacts/", this::contact);
        server.createContext("/services/oauth2/token", exchange -> respond(exchange, 200,
                "{\"access_token\":\"bench-token\",\"token_type\":\"Bearer\",\"expires_in\":7200}"));
        server.createContext(UPSERT_PATH, this::upsert);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Resets the counters; the next run's figures are its own. */
    void reset() {
        maxUpsertsInFlight.set(0);
        upserts.set(0);
        contactLookups.set(0);
    }

    int maxUpsertsInFlight() {
        return maxUpsertsInFlight.get();
    }

    long upserts() {
        return upserts.get();
    }

    long contactLookups() {
        return contactLookups.get();
    }

    private void contact(HttpExchange exchange) throws IOException {
        contactLookups.incrementAndGet();
        pause(contactLatencyMs);
        String id = exchange.getRequestURI().getPath().substring("/api/contacts/".length());
        respond(exchange, 200, """
                {"id":"%s","email":"%s@example.com","name":"Customer %s","locale":"en",\
                "fields":{"firstName":"Customer","lastName":"%s","company":"Example Ltd","country":"AT"}}""".formatted(id, id, id, id));
    }

    private void upsert(HttpExchange exchange) throws IOException {
        int now = upsertsInFlight.incrementAndGet();
        maxUpsertsInFlight.accumulateAndGet(now, Math::max);
        try {
            exchange.getRequestBody().readAllBytes();
            pause(upsertLatencyMs);
            upserts.incrementAndGet();
        } finally {
            upsertsInFlight.decrementAndGet();
        }
        respond(exchange, 200, "{\"id\":" + upserts.get() + "}");
    }

    private static void pause(long millis) {
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
