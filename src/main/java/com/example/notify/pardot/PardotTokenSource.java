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
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;

/**
 * The Salesforce OAuth2 client-credentials token of the Pardot API: the cache, the form of a token request and the
 * reading of its answer. The request itself is made by the {@code fetch-pardot-token} route (camel-http); this bean
 * calls nothing. One token is shared and used until shortly before it expires; the client-credentials answer has no
 * {@code expires_in}, so a lifetime is assumed. A token the API rejected (401 / code 184) is dropped only if it is
 * still the current one, so callers that saw the same rejection cause one fetch, not one each.
 *
 * <p>One fetch at a time: {@link #claimFetch()} lets one caller fetch and makes the others wait until that fetch
 * has stored a token or failed ({@link #fetchDone()}, in the route's {@code doFinally}); after a failed fetch the
 * waiters fail as well (transient) rather than each asking the endpoint again. The form is URL-encoded, so secrets
 * with {@code &+=} survive. Neither the token nor the secret ever appears in an exception message or in
 * {@link Token#toString()}.
 *
 * <p>Why not camel-http's own OAuth2 ({@code oauth2ClientId}…, {@code OAuth2ClientConfigurer}): it cannot drop a
 * token the API rejected before its assumed expiry, fetches concurrently on a cold cache, and does not URL-encode
 * the form (README, "Pardot channel").
 */
public class PardotTokenSource implements MeterBinder {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private String clientId;
    private String clientSecret;
    private long assumedLifetimeSeconds = 1800;
    private long refreshMarginSeconds = 60;
    private long maxWaitMs = 60_000;
    private LongSupplier clock = System::currentTimeMillis;

    private Token token;
    private long serial;
    private boolean fetching;
    private long serialAtClaim;
    private long rounds;
    private long failedRounds;
    private final AtomicLong fetches = new AtomicLong();

    /** A token as issued to one request; {@link #toString()} names it without its value. */
    public static final class Token {
        private final String value;
        private final long serial;
        private final long expiresAt;

        Token(String value, long serial, long expiresAt) {
            this.value = value;
            this.serial = serial;
            this.expiresAt = expiresAt;
        }

        @Override
        public String toString() {
            return "pardot-token#" + serial;
        }
    }

    /** The current token, or null when there is none or it is about to expire (the route fetches one first). */
    public synchronized Token current() {
        return valid() ? token : null;
    }

    private boolean valid() {
        return token != null && clock.getAsLong() < token.expiresAt - refreshMarginSeconds * 1000;
    }

    /**
     * True: this caller fetches the token (and must call {@link #fetchDone()} whatever happens). False: a token is
     * current, or was just fetched by another caller this one waited for. Throws (transient) when that other fetch
     * failed, or did not end within {@code maxWaitMs}.
     */
    public synchronized boolean claimFetch() throws InterruptedException {
        long deadline = System.nanoTime() + maxWaitMs * 1_000_000;
        while (!valid()) {
            if (!fetching) {
                fetching = true;
                serialAtClaim = serial;
                fetches.incrementAndGet();
                return true;
            }
            long round = rounds;
            long failedBefore = failedRounds;
            while (fetching && rounds == round) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new TransientFailureException("pardot-token-unavailable",
                            "waited " + maxWaitMs + " ms for the token fetch of another request", null);
                }
                wait(left);
            }
            if (failedRounds != failedBefore) {
                throw new TransientFailureException("pardot-token-unavailable", "the token fetch this request waited for failed", null);
            }
            if (token != null) {
                return false; // just fetched (valid() may say otherwise for a lifetime shorter than the margin)
            }
            // dropped again meanwhile (rejected by the API): claim or wait anew
        }
        return false;
    }

    /** The claimed fetch ended (stored a token, or failed): the waiting callers go on. */
    public synchronized void fetchDone() {
        if (serial == serialAtClaim) {
            failedRounds++;
        }
        rounds++;
        fetching = false;
        notifyAll();
    }

    /** The token request's body: the client-credentials form, URL-encoded. */
    public String form() {
        return "grant_type=client_credentials&client_id=" + encode(clientId) + "&client_secret=" + encode(clientSecret);
    }

    /** Reads the token endpoint's answer and keeps the token; anything but a token is a transient failure. */
    public void accept(@Header(Exchange.HTTP_RESPONSE_CODE) Integer status, @Body String body) {
        int code = status == null ? 0 : status;
        JsonNode json;
        try {
            json = body == null ? null : MAPPER.readTree(body);
        } catch (Exception e) {
            json = null;
        }
        if (json == null) {
            json = MAPPER.createObjectNode();
        }
        if (code != 200 || !json.hasNonNull("access_token")) {
            // a rejected client (wrong secret) is an operator's fix away: retried, not dead-lettered at once; the
            // OAuth error code (e.g. invalid_client) is no secret, the rest of the answer is not quoted
            throw new TransientFailureException("pardot-token-rejected", "token endpoint answered HTTP " + code
                    + (json.path("error").isTextual() ? " " + json.get("error").asText().replaceAll("[^A-Za-z0-9_.-]", "") : ""), null);
        }
        long lifetime = json.hasNonNull("expires_in") ? json.get("expires_in").asLong(assumedLifetimeSeconds) : assumedLifetimeSeconds;
        synchronized (this) {
            token = new Token(json.get("access_token").asText(), ++serial, clock.getAsLong() + lifetime * 1000);
        }
    }

    /** The token just fetched, for a request; transient failure when there is none (its fetch failed, or it was dropped). */
    public synchronized Token issued() {
        if (token == null) {
            throw new TransientFailureException("pardot-token-unavailable", "no token", null);
        }
        return token;
    }

    /** The {@code Authorization} header value of an issued token. */
    public String bearer(Token issued) {
        return "Bearer " + issued.value;
    }

    /** The API rejected {@code rejected} (401 / Pardot code 184): dropped if still current, so the next request fetches. */
    public synchronized void rejected(Token rejected) {
        if (rejected != null && rejected == token) {
            token = null;
        }
    }

    /** Drops the current token (an operator's way after rotating the connected app's secret; tests: a cold cache). */
    public synchronized void forget() {
        token = null;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
    }

    /** Token requests made since start (each claimed fetch, answered or not). */
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

    /** How long a request waits for another's token fetch (it is bounded by the HTTP timeouts anyway). */
    public void setMaxWaitMs(long maxWaitMs) {
        this.maxWaitMs = maxWaitMs;
    }

    void setClock(LongSupplier clock) {
        this.clock = clock;
    }

    /** Its counter, bound by the metrics setup (routes/observe.camel.yaml, metrics-bind). */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("notify_pardot_token_fetches", this, PardotTokenSource::getFetches)
                .description("OAuth2 token requests (first fetch, expiry, refresh after 401/184)").register(registry);
    }
}
