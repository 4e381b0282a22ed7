package com.example.notify.stage;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.failure.PermanentFailureException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.StatefulService;
import org.apache.camel.component.kafka.KafkaConsumer;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A circuit breaker per channel stage that pauses the channel, not its deliveries. When a channel's provider
 * keeps failing transiently (after each delivery's attempts in place) the breaker opens: the channel's consumer
 * is suspended (camel-kafka pauses its partitions and keeps polling: no rebalance; ingest and the other
 * channels go on), and deliveries that reach it meanwhile are not attempted: they stay unfinished and are read
 * again, instead of climbing the retry tiers or being dead-lettered. After the probe interval the breaker turns
 * half open and the consumer resumes: one delivery goes to the provider (the probe) while the others of the
 * batch wait briefly for its outcome; when it succeeds the channel is back, when it fails the channel pauses for
 * another interval. An outage thus costs one provider call per interval per replica, and the backlog goes out
 * as soon as the provider answers, not after the retry tiers' delays.
 *
 * <p>Why our own and not the {@code circuitBreaker} EIP: camel-resilience4j 4.17 wraps calls, not a consumer,
 * and offers no state-change hook. The breaker is resilience4j's, driven from the stage: {@link #permit} before
 * a delivery, {@link #settleFailure} when its attempts failed (retry-later), {@link #settle} when it ended.
 * Suspending the consumer from a lane thread is safe: camel-kafka only flags the fetcher, which pauses after
 * the current batch (and then does not reconnect for the batch's unfinished records).
 *
 * <p>The same steering makes a channel's low lane ({@code priority: low}) yield to its normal lane: one place
 * decides whether a stage's consumer runs, so the two reasons to pause it cannot undo each other.
 */
public class ChannelBreakers implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelBreakers.class);


    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final Set<String> gauges = ConcurrentHashMap.newKeySet();
    /** The low lane's stage name suffix (routes consume-<channel>-low-deliveries). */
    static final String LOW = "-low";
    /** When (epoch ms) each channel's normal stage last started a delivery: its low lane yields meanwhile. */
    private final Map<String, Long> normalActiveAt = new ConcurrentHashMap<>();
    private long lowYieldMs = 2_000;
    /** Routes whose consumer this class suspended (and may therefore resume). */
    private final Set<String> pausedByUs = ConcurrentHashMap.newKeySet();
    private CamelContext camelContext;
    private String channels = "";
    private float failureRatePercent = 50;
    private int minimumCalls = 10;
    private int window = 20;
    private int probeIntervalSeconds = 10;
    /** How long a delivery waits for the probe's outcome while the breaker is half open. */
    private long probeWaitMs = 2_000;

    /** The channel's breaker, made on first use (and its gauge registered). */
    public CircuitBreaker of(String channel) {
        CircuitBreaker existing = breakers.get(channel);
        return existing != null ? existing : breakers.computeIfAbsent(channel, this::create);
    }

    private CircuitBreaker create(String channel) {
        Duration interval = Duration.ofSeconds(probeIntervalSeconds);
        CircuitBreaker breaker = CircuitBreaker.of(channel, CircuitBreakerConfig.custom()
                .failureRateThreshold(failureRatePercent)
                .minimumNumberOfCalls(minimumCalls)
                .slidingWindowSize(window)
                .waitDurationInOpenState(interval)
                // a paused consumer makes no calls: the breaker must turn half open by itself
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .permittedNumberOfCallsInHalfOpenState(1)
                // a probe whose outcome never comes (no record to probe with, an exchange lost) must not keep
                // the channel half open for ever: back to open, and another probe after the interval
                .maxWaitDurationInHalfOpenState(interval)
                .build());
        breaker.getEventPublisher().onStateTransition(e -> {
            LOG.warn("Channel {}: provider circuit {}", channel, e.getStateTransition());
            steer(channel, breaker.getState());
        });
        return breaker;
    }

    /**
     * Before a delivery is attempted. Passes while the breaker is closed, and for the one probe while it is
     * half open; otherwise (open, or half open with the probe under way and no outcome within the wait) asks
     * for the consumer to pause and throws {@link ChannelPausedException}: the record stays unfinished.
     * Only the first record of a partition may be the probe: a failed probe goes to a retry tier, and its
     * partition's committed offset moves past it (a probe further down would be read again with the records
     * before it, and tried, and parked, again).
     */
    public void permit(String channel, Exchange exchange) throws InterruptedException {
        permit(channel, channel, exchange);
    }

    /**
     * {@link #permit(String, Exchange)} for a stage of the channel ({@code <channel>}, {@code <channel>-priority},
     * {@code <channel>-low}). The low lane yields to the normal one: while the normal stage has started a delivery
     * within {@code lowYieldMs}, the low stage's consumer is paused and a low delivery that reaches this point is not
     * started ({@link LaneYieldsException}: unfinished, read again when the low lane resumes).
     */
    public void permit(String channel, String stage, Exchange exchange) throws InterruptedException {
        if (stage.equals(channel)) {
            normalActiveAt.put(channel, System.currentTimeMillis());
            String low = lowRoute(channel);
            if (!pausedByUs.contains(low) && camelContext != null && camelContext.getRoute(low) != null) {
                steer(channel, of(channel).getState());
            }
        } else if (stage.equals(channel + LOW) && yielding(channel)) {
            steer(channel, of(channel).getState());
            throw new LaneYieldsException(channel);
        }
        CircuitBreaker breaker = of(channel);
        Exchange record = exchange.getProperty(ExchangeProperties.DELIVERY_RECORD, Exchange.class);
        boolean mayProbe = record == null || DeliveryLanes.isPartitionHead(record);
        long deadline = System.currentTimeMillis() + probeWaitMs;
        while (true) {
            CircuitBreaker.State state = breaker.getState();
            if ((state != CircuitBreaker.State.HALF_OPEN || mayProbe) && breaker.tryAcquirePermission()) {
                break;
            }
            if (state != CircuitBreaker.State.HALF_OPEN || System.currentTimeMillis() > deadline) {
                steer(channel, breaker.getState());
                throw new ChannelPausedException(channel);
            }
            Thread.sleep(50);
        }
        exchange.setProperty(ExchangeProperties.BREAKER_PERMIT, channel);
    }

    /**
     * A delivery's attempts failed (the first step of retry-later). A transient failure counts against the
     * provider; a permanent one (an address refused, a template that does not render) says nothing about it and
     * gives the permit back.
     */
    public void settleFailure(Exchange exchange) {
        String channel = exchange.getProperty(ExchangeProperties.BREAKER_PERMIT, String.class);
        if (channel == null) {
            return;
        }
        exchange.removeProperty(ExchangeProperties.BREAKER_PERMIT);
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (permanent(failure)) {
            of(channel).releasePermission();
        } else {
            of(channel).onError(0, TimeUnit.MILLISECONDS, failure != null ? failure : new IllegalStateException("failed"));
        }
    }

    /**
     * A delivery that took a permit ended in its lane (the record-level aggregation). Delivered counts for the
     * provider; anything else not settled as a failure (skipped as already sent, suppressed, an exchange that
     * still failed) did not reach the provider, or tells nothing about it, and gives the permit back.
     */
    public void settle(Exchange delivery) {
        String channel = delivery.getProperty(ExchangeProperties.BREAKER_PERMIT, String.class);
        if (channel == null) {
            return;
        }
        delivery.removeProperty(ExchangeProperties.BREAKER_PERMIT);
        if (delivery.getException() == null && "delivered".equals(delivery.getProperty(ExchangeProperties.STATUS, String.class))) {
            of(channel).onSuccess(0, TimeUnit.MILLISECONDS);
        } else {
            of(channel).releasePermission();
        }
    }

    /** True while the channel takes deliveries normally: attempts in place only then (not while probing). */
    public boolean closed(String channel) {
        return channel == null || of(channel).getState() == CircuitBreaker.State.CLOSED;
    }

    /** True while the channel's consumer should be paused. */
    public boolean paused(String channel) {
        return of(channel).getState() == CircuitBreaker.State.OPEN;
    }

    /**
     * Suspends or resumes each channel's consumer to match its breaker: a timer calls this as a safety net
     * (transitions steer at once). Also registers each breaker's gauge once the registry is there.
     */
    public void steerAll() {
        for (String channel : channels.split(",")) {
            if (!channel.isBlank()) {
                of(channel.trim());
            }
        }
        breakers.forEach((channel, breaker) -> {
            if (!gauges.contains(channel) && registerGauge(channel, breaker)) {
                gauges.add(channel);
            }
            steer(channel, breaker.getState());
        });
    }

    private void steer(String channel, CircuitBreaker.State state) {
        if (camelContext == null || camelContext.isStopping() || camelContext.isStopped()) {
            // a graceful stop suspends the consumers itself: not ours to resume
            return;
        }
        // every stage of the channel: consume-<channel>-deliveries, its priority lane's and its low lane's
        boolean out = state == CircuitBreaker.State.OPEN;
        for (String routeId : List.of("consume-" + channel + "-deliveries", "consume-" + channel + "-priority-deliveries",
                lowRoute(channel))) {
            Route route = camelContext.getRoute(routeId);
            if (route != null && route.getConsumer() instanceof StatefulService consumer) {
                boolean yields = !out && routeId.equals(lowRoute(channel)) && yielding(channel);
                steer(channel, out || yields, yields ? "while the normal lane has work" : "while the provider is out",
                        routeId, consumer);
            }
        }
    }

    private synchronized void steer(String channel, boolean pause, String why, String routeId, StatefulService consumer) {
        // synchronized: lanes of the normal stage and the timer steer the same consumers
        try {
            if (pause && consumer.getStatus() == ServiceStatus.Started) {
                if (why.startsWith("while the provider")) {
                    LOG.warn("Channel {}: pausing {} {}", channel, routeId, why);
                } else {
                    LOG.debug("Channel {}: pausing {} {}", channel, routeId, why);
                }
                pausedByUs.add(routeId);
                ServiceHelper.suspendService(consumer);
            } else if (!pause && consumer.getStatus() == ServiceStatus.Suspended && pausedByUs.remove(routeId)) {
                // only a consumer this class paused: one suspended by Camel (a graceful stop, an operator) stays so
                LOG.info("Channel {}: resuming {}", channel, routeId);
                ServiceHelper.resumeService(consumer);
                restartIfPollThreadEnded(channel, routeId, consumer);
            }
        } catch (Exception e) {
            LOG.warn("Channel {}: could not {} {}: {}", channel, pause ? "pause" : "resume", routeId, e.getMessage());
        }
    }

    /**
     * camel-kafka 4.17 ends a consumer's poll thread when a batch fails (break on first error: it reconnects) while
     * the consumer is suspended: its loop goes on only while the consumer is neither suspending nor suspended, and
     * resuming does not start a new thread. A batch that fails just as the breaker or the low lane's yield pauses its
     * stage (the low lane pauses itself when a delivery reaches its permit while the normal lane works) would leave
     * that stage stalled for good. A task still disconnected when its consumer is resumed has no thread: the consumer
     * is stopped and started (new poll threads; its group rejoins and reads from the committed offsets).
     */
    private static void restartIfPollThreadEnded(String channel, String routeId, StatefulService consumer) throws Exception {
        if (consumer instanceof KafkaConsumer kafka && kafka.healthStates().stream().anyMatch(task -> !task.isReady())) {
            LOG.warn("Channel {}: {} lost its poll thread while paused; restarting its consumer", channel, routeId);
            ServiceHelper.stopService(consumer);
            ServiceHelper.startService(consumer);
        }
    }

    /** True while the channel's low lane yields: its normal stage started a delivery within lowYieldMs. */
    boolean yielding(String channel) {
        Long last = normalActiveAt.get(channel);
        return last != null && System.currentTimeMillis() - last < lowYieldMs;
    }

    private static String lowRoute(String channel) {
        return "consume-" + channel + LOW + "-deliveries";
    }

    private static boolean permanent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PermanentFailureException) {
                return true;
            }
        }
        return false;
    }

    private boolean registerGauge(String channel, CircuitBreaker breaker) {
        MeterRegistry registry = camelContext == null ? null : camelContext.getRegistry().findSingleByType(MeterRegistry.class);
        if (registry == null) {
            return false;
        }
        // 0 closed, 1 open (paused), 0.5 half open (probing)
        Gauge.builder("notify_channel_paused", breaker, b -> switch (b.getState()) {
            case OPEN, FORCED_OPEN -> 1.0;
            case HALF_OPEN -> 0.5;
            default -> 0.0;
        }).description("1 while the channel's consumer is paused because its provider is out, 0.5 while probing")
                .tag("channel", channel).register(registry);
        return true;
    }

    /** The channels whose breakers (and gauges) exist from the start, before their first delivery. */
    public void setChannels(String csv) {
        this.channels = csv;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    public void setFailureRatePercent(float failureRatePercent) {
        this.failureRatePercent = failureRatePercent;
    }

    public void setMinimumCalls(int minimumCalls) {
        this.minimumCalls = minimumCalls;
    }

    public void setWindow(int window) {
        this.window = window;
    }

    public void setProbeIntervalSeconds(int probeIntervalSeconds) {
        this.probeIntervalSeconds = probeIntervalSeconds;
    }

    public void setProbeWaitMs(long probeWaitMs) {
        this.probeWaitMs = probeWaitMs;
    }

    /** How long after the normal stage's last delivery start the low lane still yields (notify.priority.low-yield-ms). */
    public void setLowYieldMs(long lowYieldMs) {
        this.lowYieldMs = lowYieldMs;
    }

    /** A low delivery not started while the normal lane has work: unfinished, read again when the low lane resumes. */
    public static class LaneYieldsException extends RuntimeException {
        public LaneYieldsException(String channel) {
            super("channel " + channel + ": the low lane yields to the normal lane", null, false, false);
        }
    }

    /** The channel is paused: the delivery was not attempted and stays unfinished (read again on resume). */
    public static class ChannelPausedException extends RuntimeException {
        public ChannelPausedException(String channel) {
            super("channel " + channel + " is paused: its provider's circuit is open", null, false, false);
        }
    }
}
