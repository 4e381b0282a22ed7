package com.example.notify.observe;

import com.example.notify.pardot.PardotQuota;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Delivery health per channel (and of the contact directory), from the last outcome each one had: DOWN while
 * its last attempt failed (within {@code staleAfterSeconds}) or while Pardot waits for its quota. Neither a
 * liveness nor a readiness check: a provider outage shows as degraded in /observe/health, it must not
 * restart the pod nor take it out of the consumer group (the events wait and are retried).
 */
public class ChannelHealthCheck extends AbstractHealthCheck {

    private NotifyMetrics metrics;
    private long staleAfterSeconds = 600;

    public ChannelHealthCheck() {
        super("notify", "channels");
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.up();
        Instant recent = Instant.now().minus(Duration.ofSeconds(staleAfterSeconds));
        metrics.lastOutcomes().forEach((channel, last) -> {
            builder.detail(channel + ".last-outcome", last.outcome() + (last.reason() == null ? "" : " " + last.reason()));
            builder.detail(channel + ".last-outcome-at", last.at().toString());
            if (last.at().isAfter(recent) && ("failed".equals(last.outcome()) || isProviderFault(last))) {
                builder.down().message("degraded: " + channel);
            }
        });
        PardotQuota quota = getCamelContext() == null ? null
                : getCamelContext().getRegistry().lookupByNameAndType("pardotQuota", PardotQuota.class);
        if (quota != null && quota.isSpent()) {
            builder.detail("pardot.paused-until", quota.nextReset().toString());
            builder.down().message("degraded: pardot paused until the daily quota resets");
        }
    }

    /** A dead letter for bad input says nothing about the provider; one after spent retries does. */
    private static boolean isProviderFault(NotifyMetrics.LastOutcome last) {
        return "dead-lettered".equals(last.outcome()) && ("retries-exhausted".equals(last.reason())
                || last.reason() != null && (last.reason().endsWith("-unavailable") || last.reason().endsWith("-unreachable")));
    }

    public void setMetrics(NotifyMetrics metrics) {
        this.metrics = metrics;
    }

    public void setStaleAfterSeconds(long staleAfterSeconds) {
        this.staleAfterSeconds = staleAfterSeconds;
    }
}
