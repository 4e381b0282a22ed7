package com.example.notify.pardot;

import com.example.notify.failure.TransientFailureException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * Salesforce OAuth2 client-credentials token for the Pardot API, fetched through the {@code fetch-pardot-token}
 * route (camel-http). One token is shared and cached until shortly before it expires; the response of the
 * client-credentials flow has no {@code expires_in}, so a lifetime is assumed. A token the API rejected is
 * dropped (only if it is still the current one: concurrent callers that saw the same rejection trigger one
 * fetch). One caller fetches while the others wait for its result. The form is URL-encoded, so secrets with
 * {@code &+=} survive. Neither the token nor the secret ever appears in an exception message.
 */
public class PardotTokenSource implements CamelContextAware, MeterBinder {

    private CamelContext camelContext;
    private volatile ProducerTemplate producer;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private String routeUri = "direct:pardot-token";
    private String clientId;
    private String clientSecret;
    private long assumedLifetimeSeconds = 1800;
    private long refreshMarginSeconds = 60;
    private LongSupplier clock = System::currentTimeMillis;

    private String token;
    private long expiresAt;
    private final AtomicLong fetches = new AtomicLong();

    /** The current token, fetched when there is none or it is about to expire. */
    public synchronized String token() {
        if (token == null || clock.getAsLong() >= expiresAt - refreshMarginSeconds * 1000) {
            fetch();
        }
        return token;
    }

    /** The API rejected {@code rejected} (401 / Pardot code 184): the next {@link #token()} fetches anew. */
    public synchronized void rejected(String rejected) {
        if (rejected != null && rejected.equals(token)) {
            token = null;
        }
    }

    private void fetch() {
        String form = "grant_type=client_credentials&client_id=" + encode(clientId) + "&client_secret=" + encode(clientSecret);
        Exchange response = producer().send(routeUri, exchange -> {
            exchange.getMessage().setBody(form);
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/x-www-form-urlencoded");
            exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
        });
        fetches.incrementAndGet();
        if (response.getException() != null) {
            throw new TransientFailureException("pardot-token-unavailable",
                    "token endpoint unreachable: " + response.getException().getClass().getSimpleName(), response.getException());
        }
        int status = response.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        JsonNode body;
        try {
            body = MAPPER.readTree(response.getMessage().getBody(String.class));
        } catch (Exception e) {
            body = MAPPER.createObjectNode();
        }
        if (status != 200 || !body.hasNonNull("access_token")) {
            // a rejected client (wrong secret) is an operator's fix away: retried, not dead-lettered at once
            throw new TransientFailureException("pardot-token-rejected", "token endpoint answered HTTP " + status
                    + (body.hasNonNull("error") ? " " + body.get("error").asText() : ""), null);
        }
        token = body.get("access_token").asText();
        long lifetime = body.hasNonNull("expires_in") ? body.get("expires_in").asLong(assumedLifetimeSeconds) : assumedLifetimeSeconds;
        expiresAt = clock.getAsLong() + lifetime * 1000;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
    }

    /** Token requests made since start. */
    public long getFetches() {
        return fetches.get();
    }

    public void setClientId(String clientId) {
        this.clientId = clientId;
    }

    public void setClientSecret(String clientSecret) {
        this.clientSecret = clientSecret;
    }

    public void setAssumedLifetimeSeconds(long assumedLifetimeSeconds) {
        this.assumedLifetimeSeconds = assumedLifetimeSeconds;
    }

    public void setRefreshMarginSeconds(long refreshMarginSeconds) {
        this.refreshMarginSeconds = refreshMarginSeconds;
    }

    public void setRouteUri(String routeUri) {
        this.routeUri = routeUri;
    }

    void setClock(LongSupplier clock) {
        this.clock = clock;
    }

    // on first use: the context is not started when the bean is made (a race makes one spare template, once)
    private ProducerTemplate producer() {
        ProducerTemplate p = producer;
        return p != null ? p : (producer = camelContext.createProducerTemplate());
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** Its counter, bound by the metrics setup (routes/observe.camel.yaml, metrics-bind). */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("notify_pardot_token_fetches", this, PardotTokenSource::getFetches)
                .description("OAuth2 token requests (first fetch, expiry, refresh after 401/184)").register(registry);
    }
}
