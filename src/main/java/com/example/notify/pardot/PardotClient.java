package com.example.notify.pardot;

import com.example.notify.contract.Channels;
import com.example.notify.failure.Masking;
import com.example.notify.failure.NotificationFailureException;
import com.example.notify.failure.PermanentFailureException;
import com.example.notify.failure.TransientFailureException;
import com.example.notify.stage.ChannelShares;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * One prospect upsert (the body built by {@link ProspectMapper}) through the {@code post-pardot-upsert}
 * route, within Pardot's limits: at most this replica's share of {@code maxConcurrent} requests in flight (the
 * cap is per business unit, so it is divided by {@link ChannelShares} and read again for every request: it
 * follows the rebalances), one request counted against the daily quota each. A rejected token (401 or code 184) is refreshed and the
 * request retried once. Pardot reports limits in the JSON body: 66 (concurrency) and 202 (per-minute) are
 * transient, 122 (daily limit) spends the quota for the day, other 4xx are permanent with code and message.
 */
public class PardotClient implements CamelContextAware {

    private CamelContext camelContext;
    private volatile ProducerTemplate producer;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PardotTokenSource tokens;
    private PardotQuota quota;
    private String routeUri = "direct:pardot-upsert-http";
    private int maxConcurrent = 5;
    private ChannelShares shares;
    private final AtomicInteger maxSeenInFlight = new AtomicInteger();
    private int current;

    /** Upserts the prospect; returns its Pardot id. */
    public String upsert(Exchange exchange) throws InterruptedException {
        String body = exchange.getMessage().getBody(String.class);
        acquireSlot();
        try {
            for (int attempt = 1; ; attempt++) {
                if (!quota.tryAcquire()) {
                    throw new PardotDailyLimitException("daily API quota spent (" + quota.getUsedToday() + " requests); resets "
                            + quota.nextReset());
                }
                String token = tokens.token();
                Exchange response = producer().send(routeUri, request -> {
                    request.getMessage().setBody(body);
                    request.getMessage().setHeader("Authorization", "Bearer " + token);
                    request.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
                    request.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
                });
                if (response.getException() != null) {
                    throw new TransientFailureException("pardot-unavailable",
                            "Pardot unreachable: " + response.getException().getClass().getSimpleName(), response.getException());
                }
                int status = response.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
                quota.reportedUsage(response.getMessage().getHeader("x-api-usage", String.class));
                JsonNode json = json(response.getMessage().getBody(String.class));
                if (status >= 200 && status < 300) {
                    return json.path("id").asText(null);
                }
                int code = json.path("code").asInt(0);
                if ((status == 401 || code == 184) && attempt == 1) {
                    tokens.rejected(token);
                    continue;
                }
                throw failure(status, code, json.path("message").asText(""));
            }
        } finally {
            releaseSlot();
        }
    }

    /** Waits for a slot under the cap as it is now (a rebalance may lower or raise it while a request waits). */
    private synchronized void acquireSlot() throws InterruptedException {
        while (current >= cap()) {
            // woken by a release; the timeout picks up a raised cap without one
            wait(100);
        }
        current++;
        maxSeenInFlight.accumulateAndGet(current, Math::max);
    }

    private synchronized void releaseSlot() {
        current--;
        notifyAll();
    }

    /** This replica's part of the business unit's concurrent requests. */
    int cap() {
        return (int) (shares() == null ? maxConcurrent : shares().share(Channels.PARDOT, maxConcurrent));
    }

    NotificationFailureException failure(int status, int code, String message) {
        String text = "Pardot HTTP " + status + (code != 0 ? " code " + code : "") + ": " + Masking.maskAndTruncate(message, 300);
        if (code == 122) {
            quota.spentForToday();
            return new PardotDailyLimitException(text);
        }
        if (code == 66) {
            return new TransientFailureException("pardot-concurrency-limit", text, null);
        }
        if (code == 202) {
            return new TransientFailureException("pardot-rate-limit", text, null);
        }
        if (status == 401 || code == 184) {
            return new TransientFailureException("pardot-token-rejected", text, null);
        }
        if (status == 429 || status >= 500 || status == 0) {
            return new TransientFailureException("pardot-unavailable", text, null);
        }
        return new PermanentFailureException("pardot-rejected", text);
    }

    private static JsonNode json(String body) {
        try {
            JsonNode node = body == null ? null : MAPPER.readTree(body);
            return node == null ? MAPPER.createObjectNode() : node;
        } catch (Exception e) {
            return MAPPER.createObjectNode();
        }
    }

    /** Most requests this instance had in flight at once since start (never above its share of maxConcurrent). */
    public int getMaxSeenInFlight() {
        return maxSeenInFlight.get();
    }

    /** Pardot's concurrent requests per business unit, for the whole cluster (5). */
    public void setMaxConcurrent(int maxConcurrent) {
        this.maxConcurrent = maxConcurrent;
    }

    public void setShares(ChannelShares shares) {
        this.shares = shares;
    }

    /**
     * The channel shares (routes/channel-stage.camel.yaml), looked up when first needed: bean files are pre-parsed
     * in no fixed order, so a reference at creation could miss it. None (a route driven alone): the whole limit.
     */
    private ChannelShares shares() {
        if (shares == null && getCamelContext() != null) {
            shares = getCamelContext().getRegistry().lookupByNameAndType("channelShares", ChannelShares.class);
        }
        return shares;
    }

    public void setTokens(PardotTokenSource tokens) {
        this.tokens = tokens;
    }

    public void setQuota(PardotQuota quota) {
        this.quota = quota;
    }

    public void setRouteUri(String routeUri) {
        this.routeUri = routeUri;
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
}
