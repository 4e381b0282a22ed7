package com.example.notify.preferences;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * At most {@code limit} notifications per recipient and channel in any sliding window of {@code windowMs}.
 * Keeps, per recipient and channel, the times of the last {@code limit} sends (or reserved send slots).
 * State is per JVM and bounded: idle recipients expire, at most {@code maxRecipients} are tracked.
 */
public class PolitenessLimiter {

    /** What to do with one notification: send now, hold it back for {@code holdMs}, or skip it. */
    public record Admission(boolean admitted, long holdMs) {
        static final Admission NOW = new Admission(true, 0);
        static final Admission SKIP = new Admission(false, 0);
    }

    private final int limit;
    private final long windowMs;
    private final LongSupplier clock;
    private final Cache<String, ArrayDeque<Long>> sends;

    public PolitenessLimiter(int limit, long windowMs, long maxHoldMs, long maxRecipients, LongSupplier clock) {
        this.limit = limit;
        this.windowMs = windowMs;
        this.clock = clock;
        this.sends = Caffeine.newBuilder()
                .maximumSize(maxRecipients)
                .expireAfterAccess(Duration.ofMillis(windowMs + maxHoldMs))
                .build();
    }

    public boolean enabled() {
        return limit > 0 && windowMs > 0;
    }

    /**
     * What {@link #admit} would answer now, without counting or reserving anything (a preview): the same decision
     * on the same state, which is left as it was.
     */
    public Admission peek(String key, long maxHoldMs) {
        if (!enabled()) {
            return Admission.NOW;
        }
        ArrayDeque<Long> times = sends.getIfPresent(key);
        if (times == null) {
            return Admission.NOW;
        }
        synchronized (times) {
            long now = clock.getAsLong();
            long inWindow = times.stream().filter(t -> t > now - windowMs).count();
            if (inWindow < limit) {
                return Admission.NOW;
            }
            long slot = times.stream().filter(t -> t > now - windowMs).findFirst().orElse(now) + windowMs;
            long hold = slot - now;
            return maxHoldMs > 0 && hold <= maxHoldMs ? new Admission(true, hold) : Admission.SKIP;
        }
    }

    /**
     * Admits a notification now if the window has room; otherwise, when {@code maxHoldMs > 0} and a slot frees
     * within it, reserves that slot and says how long to hold; otherwise skip.
     */
    public Admission admit(String key, long maxHoldMs) {
        if (!enabled()) {
            return Admission.NOW;
        }
        // grows with use: sized by limit up front, a high limit times many recipients would fill the heap
        ArrayDeque<Long> times = sends.get(key, k -> new ArrayDeque<>(Math.min(limit, 8)));
        synchronized (times) {
            long now = clock.getAsLong();
            while (!times.isEmpty() && times.peekFirst() <= now - windowMs) {
                times.pollFirst();
            }
            if (times.size() < limit) {
                times.addLast(now);
                return Admission.NOW;
            }
            long slot = times.peekFirst() + windowMs;
            long hold = slot - now;
            if (maxHoldMs > 0 && hold <= maxHoldMs) {
                times.pollFirst();
                times.addLast(slot);
                return new Admission(true, hold);
            }
            return Admission.SKIP;
        }
    }
}
