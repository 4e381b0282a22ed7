package com.example.notify.pardot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For the embedded default only ({@code notify.pardot.embedded.enabled=true}): a local stand-in for the
 * Salesforce token endpoint and Pardot's upsertLatestByEmail, so the Pardot channel runs end to end without
 * an account. It answers the documented shapes, keeps prospects in memory (one id per address) and checks
 * the bearer token and business unit header. Not a test double: tests use WireMock.
 */
public class EmbeddedPardotListener extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPardotListener.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TOKEN = "embedded-pardot-token";

    private HttpServer server;
    private final Map<String, Long> prospects = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong(1000);

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        PropertiesComponent pc = main.getCamelContext().getPropertiesComponent();
        if (!Boolean.parseBoolean(pc.resolveProperty("notify.pardot.embedded.enabled").orElse("false"))) {
            return;
        }
        int port = Integer.parseInt(pc.resolveProperty("notify.pardot.embedded.port").orElse("18089"));
        try {
            // without TCP_NODELAY each answer's body waits for the client's delayed ACK of its headers (~40 ms)
            System.setProperty("sun.net.httpserver.nodelay", "true");
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new IllegalStateException("embedded Pardot on port " + port + ": " + e.getMessage(), e);
        }
        server.createContext("/services/oauth2/token", http -> reply(http, 200, "{\"access_token\":\"" + TOKEN
                + "\",\"token_type\":\"Bearer\",\"instance_url\":\"http://127.0.0.1:" + port + "\"}"));
        server.createContext("/api/v5/objects/prospects/do/upsertLatestByEmail", this::upsert);
        server.start();
        LOG.info("Embedded Pardot stand-in on 127.0.0.1:{}", port);
    }

    private void upsert(HttpExchange http) throws IOException {
        if (!("Bearer " + TOKEN).equals(http.getRequestHeaders().getFirst("Authorization"))) {
            reply(http, 401, "{\"code\":184,\"message\":\"access_token is invalid, unknown, or malformed\"}");
            return;
        }
        if (http.getRequestHeaders().getFirst("Pardot-Business-Unit-Id") == null) {
            reply(http, 400, "{\"code\":181,\"message\":\"Pardot-Business-Unit-Id header is missing\"}");
            return;
        }
        JsonNode body = MAPPER.readTree(http.getRequestBody());
        String email = body.path("matchEmail").asText("");
        if (email.isBlank()) {
            reply(http, 400, "{\"code\":4,\"message\":\"matchEmail is required\"}");
            return;
        }
        long id = prospects.computeIfAbsent(email.toLowerCase(), k -> ids.incrementAndGet());
        reply(http, 200, "{\"id\":" + id + ",\"email\":" + MAPPER.writeValueAsString(email) + "}");
    }

    private static void reply(HttpExchange http, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        http.getResponseHeaders().set("Content-Type", "application/json");
        http.sendResponseHeaders(status, bytes.length);
        http.getResponseBody().write(bytes);
        http.close();
    }

    @Override
    public void afterStop(BaseMainSupport main) {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }
}
