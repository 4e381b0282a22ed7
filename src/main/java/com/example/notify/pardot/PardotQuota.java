package com.example.notify.pardot;

import com.example.notify.contract.Channels;
import com.example.notify.stage.ChannelShares;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.concurrent.CompletableFuture;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ServiceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daily Pardot API quota of the business unit, shared by the replicas: each counts its own requests per day
 * in the account's time zone against its share of the limit ({@link ChannelShares}: limit × its Pardot partitions
 * / all), and stops as well when the usage Pardot reports for the whole business unit ({@code x-api-usage}, asked
 * for by default) reaches the limit. The day is spent when Pardot answers code 122.
 * While spent, the channel is paused: pieces go to the deferred topic
 * and the {@code consume-pardot-deferred} route is suspended until the quota resets (or an operator calls
 * {@link #resume()}).
 *
 * <p>It is {@link CamelContextAware} for one thing only: the route controller, to suspend and resume the deferred
 * route at once when the quota runs out (from the request that found it spent, on another thread) and back at the
 * reset; a timer route alone would let the deferred consumer re-defer what it reads until its next tick.
 */
public class PardotQuota implements CamelContextAware, MeterBinder {

    private CamelContext camelContext;

    private static final Logger LOG = LoggerFactory.getLogger(PardotQuota.class);

    private long dailyLimit = 25_000;
    private ChannelShares shares;
    private ZoneId zone = ZoneId.of("America/New_York");
    private Clock clock = Clock.systemUTC();
    private String deferredRouteId = "consume-pardot-deferred";

    private LocalDate day;
    private long used;
    private long reported;
    private boolean spent;

    /** Counts one request against today's quota; false (nothing counted) when the quota is spent. */
    public synchronized boolean tryAcquire() {
        rollOver();
        if (!spent && dailyLimit > 0 && reported >= dailyLimit) {
            spentForToday();
        }
        if (spent) {
            return false;
        }
        if (shareSpent()) {
            // pause the deferred route now, not at the next timer tick (it would re-defer what it reads)
            CompletableFuture.runAsync(this::steerDeferredRoute);
            return false;
        }
        used++;
        return true;
    }

    /** Counts one request, as {@link #tryAcquire()}; a spent quota throws {@link PardotDailyLimitException} (deferral). */
    public void acquire() {
        if (!tryAcquire()) {
            throw new PardotDailyLimitException("daily API quota spent (" + getUsedToday() + " requests); resets " + nextReset());
        }
    }

    /**
     * This replica's share of the day used up, as the assignment has it now. Not latched like {@link #spentForToday}:
     * mid-rebalance a replica's share is briefly small (its partitions revoked, not yet given back), and a latch
     * would pause its Pardot channel for the rest of the day; when the share comes back, so does the quota.
     */
    private boolean shareSpent() {
        return dailyLimit > 0 && used >= myLimit();
    }

    /** Pardot's own count of today's requests by the whole business unit ({@code x-api-usage}). */
    public synchronized void reportedUsage(String header) {
        if (header == null || header.isBlank()) {
            return;
        }
        try {
            long reported = Long.parseLong(header.strip().split("[/ ;]")[0]);
            rollOver();
            this.reported = Math.max(this.reported, reported);
        } catch (NumberFormatException e) {
            LOG.debug("Unreadable x-api-usage header");
        }
    }

    /** Pardot said code 122, or our count reached the limit: nothing more today. */
    public synchronized void spentForToday() {
        rollOver();
        if (!spent) {
            LOG.warn("Pardot daily API limit reached ({} requests counted today); the channel is paused until {}", used, nextReset());
            // at once rather than at the next timer tick, so consume-pardot-deferred does not re-defer what it reads;
            // on another thread: suspending waits for the route's in-flight exchange, which may be the caller
            CompletableFuture.runAsync(this::steerDeferredRoute);
        }
        spent = true;
    }

    public synchronized boolean isSpent() {
        rollOver();
        return spent || shareSpent();
    }

    /** Operator action (e.g. after the edition's limit was raised): lift the pause now. */
    public synchronized void resume() {
        spent = false;
        used = 0;
        reported = 0;
        steerDeferredRoute();
    }

    /** Suspends the deferred route while the quota is spent and resumes it afterwards; run by a timer. */
    public void steerDeferredRoute() {
        if (getCamelContext() == null || getCamelContext().getRoute(deferredRouteId) == null) {
            return;
        }
        try {
            ServiceStatus status = getCamelContext().getRouteController().getRouteStatus(deferredRouteId);
            if (isSpent() && status == ServiceStatus.Started) {
                getCamelContext().getRouteController().suspendRoute(deferredRouteId);
            } else if (!isSpent() && status == ServiceStatus.Suspended) {
                getCamelContext().getRouteController().resumeRoute(deferredRouteId);
            }
        } catch (Exception e) {
            LOG.warn("Could not steer route {}: {}", deferredRouteId, e.getMessage());
        }
    }

    public synchronized ZonedDateTime nextReset() {
        return LocalDate.now(clock.withZone(zone)).plusDays(1).atStartOfDay(zone);
    }

    private void rollOver() {
        LocalDate today = LocalDate.now(clock.withZone(zone));
        if (!today.equals(day)) {
            day = today;
            used = 0;
            reported = 0;
            spent = false;
        }
    }

    public synchronized long getUsedToday() {
        rollOver();
        return used;
    }

    /** This replica's part of the daily limit, as the assignment has it now. */
    public long myLimit() {
        return shares == null ? dailyLimit : shares.share(Channels.PARDOT, dailyLimit);
    }

    /** The business unit's usage today as Pardot last reported it (0 when not asked for). */
    public synchronized long getReportedToday() {
        rollOver();
        return reported;
    }

    /**
     * The channel shares ({@code #channelShares}, injected: application.properties declares this bean, see there
     * why). None (a quota used alone): the whole limit is this process's.
     */
    public void setShares(ChannelShares shares) {
        this.shares = shares;
    }

    public ChannelShares getShares() {
        return shares;
    }

    public long getDailyLimit() {
        return dailyLimit;
    }

    public void setDailyLimit(long dailyLimit) {
        this.dailyLimit = dailyLimit;
    }

    public void setZone(String zone) {
        this.zone = ZoneId.of(zone);
    }

    public void setDeferredRouteId(String deferredRouteId) {
        this.deferredRouteId = deferredRouteId;
    }

    void setClock(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** Its gauges, bound by the metrics setup (routes/observe.camel.yaml, metrics-bind). */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("notify_pardot_quota_used", this, PardotQuota::getUsedToday)
                .description("Pardot API requests counted today").register(registry);
        Gauge.builder("notify_pardot_quota_limit", this, PardotQuota::getDailyLimit)
                .description("Pardot daily request limit (0: not counted)").register(registry);
        Gauge.builder("notify_pardot_paused", this, q -> q.isSpent() ? 1 : 0)
                .description("1 while the Pardot channel waits for the quota reset").register(registry);
    }
}
