package com.example.notify.stage;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.PermanentFailureException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.apache.camel.Exchange;

/**
 * Non-blocking retries of the channel stages: a delivery that failed transiently (after its few in-place
 * attempts) waits on a retry tier topic, one per delay (30 s, 2 min, 10 min, 1 h by default; the last tier
 * repeats), and the {@link RetryTierForwarder} puts it back on its channel's topic when it is due. The
 * channel's partition keeps flowing meanwhile. Delays carry up to 20 % jitter (shorter only) so a batch that
 * failed together does not come back together. Past the channel's retry horizon (counted from the first failure), or for a
 * permanent failure, the delivery is dead-lettered instead.
 */
public class RetryTiers {

    /** Record headers of a delivery record that waits or waited on a tier. */
    public static final String ATTEMPTS = "notify-attempts";
    /** How many tiers the delivery went through: picks the next one. */
    public static final String ROUNDS = "notify-retry-rounds";
    public static final String FIRST_FAILURE = "notify-retry-first-failure";
    public static final String DUE = "notify-retry-due";
    public static final String TARGET = "notify-retry-target";
    /**
     * A wait longer than the last tier's delay (a scheduled send): the final due time. The record hops from tier
     * to tier (the forwarder puts it back on a tier, not on its target) until it is due.
     */
    public static final String HOLD_UNTIL = "notify-retry-hold-until";

    private final List<String> labels = new ArrayList<>();
    private final List<Long> delaysMs = new ArrayList<>();
    private String topicPrefix;
    private LongSupplier clock = System::currentTimeMillis;

    /** Tier delays, comma-separated, in order: {@code 30s,2m,10m,1h}. */
    public void setTiers(String tiers) {
        labels.clear();
        delaysMs.clear();
        for (String tier : tiers.split(",")) {
            String label = tier.strip();
            if (!label.isEmpty()) {
                labels.add(label);
                delaysMs.add(durationMs(label));
            }
        }
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("notify.retry.tiers names no tier");
        }
    }

    /** Tier topics are {@code <prefix><label>}, e.g. notifications.events.retry.30s. */
    public void setTopicPrefix(String topicPrefix) {
        this.topicPrefix = topicPrefix;
    }

    void setClock(LongSupplier clock) {
        this.clock = clock;
    }

    /** The tiers' labels ({@code 30s}, {@code 2m}, …), in the order of {@link #topics()}: metric label values. */
    public List<String> labels() {
        return List.copyOf(labels);
    }

    /** Every tier topic, for the forwarder. */
    public List<String> topics() {
        return labels.stream().map(l -> topicPrefix + l).toList();
    }

    /**
     * Decides what becomes of a delivery whose attempts failed: it goes to a tier (headers set, and the tier's
     * topic in property {@link ExchangeProperties#RETRY_TOPIC}) or, when {@link ExchangeProperties#RETRY_TOPIC} is left unset, is to be dead-lettered: a
     * permanent failure, or the next attempt would fall past the horizon. A bean step, not a predicate: Camel
     * evaluates a bean predicate on a copy of the exchange, and the headers must stay on the record.
     *
     * @param horizon how long after the first failure a delivery may still be tried, e.g. {@code 24h}
     * @param target  the channel's delivery topic, where the forwarder puts it back
     */
    public void schedule(Exchange exchange, String horizon, String target) {
        exchange.removeProperty(ExchangeProperties.RETRY_TOPIC);
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PermanentFailureException) {
                return;
            }
        }
        Integer redeliveries = exchange.getProperty(ExchangeProperties.REDELIVERIES, Integer.class);
        int attempts = redeliveries == null ? 1 : redeliveries + 1;
        var message = exchange.getMessage();
        long now = clock.getAsLong();
        long firstFailure = longHeader(message.getHeader(FIRST_FAILURE), now);
        int tier = (int) Math.min(longHeader(message.getHeader(ROUNDS), 0), labels.size() - 1);
        long delay = jittered(delaysMs.get(tier));
        if (now + delay > firstFailure + durationMs(horizon)) {
            return;
        }
        message.setHeader(FIRST_FAILURE, String.valueOf(firstFailure));
        message.setHeader(DUE, String.valueOf(now + delay));
        message.setHeader(TARGET, target);
        message.setHeader(ATTEMPTS, String.valueOf(longHeader(message.getHeader(ATTEMPTS), 0) + attempts));
        message.setHeader(ROUNDS, String.valueOf(longHeader(message.getHeader(ROUNDS), 0) + 1));
        exchange.setProperty(ExchangeProperties.RETRY_TOPIC, topicPrefix + labels.get(tier));
    }

    /**
     * Holds a delivery back for {@code holdMs} (politeness policy {@code hold}) the way retries wait: on the first
     * tier whose delay is at least the hold (else the last), due {@code holdMs} from now, to go to {@code target}
     * then; the tier topic goes into property {@link ExchangeProperties#RETRY_TOPIC}. Not a failure: no attempt or round is counted. A
     * hold never waits longer than the records ahead of it on that tier (each due within the tier's delay).
     */
    public void hold(Exchange exchange, long holdMs, String target) {
        holdUntil(exchange, clock.getAsLong() + holdMs, target);
    }

    /**
     * True when the delivery is to wait: the event's {@code deliverat} (a scheduled send) lies ahead, or quiet
     * hours hold it until {@code notBefore} (epoch ms, 0 = they do not).
     */
    public boolean isScheduled(NotificationEvent event, long notBefore) {
        long now = clock.getAsLong();
        return notBefore > now || (event.getDeliverAt() != null && event.getDeliverAt().toInstant().toEpochMilli() > now);
    }

    /**
     * Holds a delivery until the latest of the event's {@code deliverat}, {@code notBefore} (quiet hours) and the
     * end of a politeness hold of {@code holdMs}: as {@link #hold}, with the headers and property {@link ExchangeProperties#RETRY_TOPIC} set.
     */
    public void holdUntilDue(Exchange exchange, NotificationEvent event, long notBefore, Long holdMs, String target) {
        long until = Math.max(notBefore, clock.getAsLong() + (holdMs == null ? 0 : Math.max(0, holdMs)));
        if (event.getDeliverAt() != null) {
            until = Math.max(until, event.getDeliverAt().toInstant().toEpochMilli());
        }
        holdUntil(exchange, until, target);
    }

    private void holdUntil(Exchange exchange, long untilMs, String target) {
        Hop hop = hop(untilMs);
        var message = exchange.getMessage();
        message.setHeader(DUE, String.valueOf(hop.due()));
        message.setHeader(TARGET, target);
        if (hop.due() < untilMs) {
            message.setHeader(HOLD_UNTIL, String.valueOf(untilMs));
        }
        exchange.setProperty(ExchangeProperties.RETRY_TOPIC, hop.topic());
    }

    /** Where a record waiting until {@code untilMs} waits next: a tier topic and when it is due there. */
    public record Hop(String topic, long due) {
    }

    /**
     * The next wait of a record held until {@code untilMs}: the longest tier whose delay fits in the rest of the
     * wait, for that tier's full delay (1 h, then 10 min, 2 min, 30 s by default), and a rest shorter than every
     * tier on the first tier, due exactly then. Entering a tier only with its full delay keeps each tier's
     * records due in the order they were written (retries there are due within the delay: their jitter only
     * shortens it), so the forwarder, which waits for a tier partition's head, never holds a record behind one
     * due later. A rest shorter than the first tier may wait behind that tier's head: up to its delay (30 s).
     */
    public Hop hop(long untilMs) {
        long now = clock.getAsLong();
        long rest = Math.max(0, untilMs - now);
        int tier = delaysMs.size() - 1;
        while (tier > 0 && delaysMs.get(tier) > rest) {
            tier--;
        }
        return new Hop(topicPrefix + labels.get(tier), now + Math.min(rest, delaysMs.get(tier)));
    }

    /** The delay less up to 20 %: never longer than the tier's delay (see {@link #hop}). */
    private static long jittered(long delayMs) {
        return Math.round(delayMs * (0.8 + 0.2 * ThreadLocalRandom.current().nextDouble()));
    }

    static long longHeader(Object value, long fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8) : value.toString());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, {@code 7d}. */
    static long durationMs(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Long.parseLong(t.substring(0, t.length() - 2));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n).toMillis();
                case 'm' -> Duration.ofMinutes(n).toMillis();
                case 'h' -> Duration.ofHours(n).toMillis();
                case 'd' -> Duration.ofDays(n).toMillis();
                default -> throw new IllegalArgumentException("not a duration: " + text);
            };
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("not a duration (e.g. 30s, 2m, 1h, 7d): " + text);
        }
    }
}
