package com.example.notify.pardot;

import com.example.notify.contract.Channels;
import com.example.notify.stage.ChannelShares;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pardot's concurrent requests per business unit: at most this replica's share of {@code maxConcurrent} upserts in
 * flight ({@link ChannelShares}: the cap × its Pardot partitions / all, read again for every request, so it follows
 * the rebalances). The {@code upsert-prospect} route takes a slot before its call and gives it back in a
 * {@code doFinally}, whatever the call's outcome.
 */
public class PardotSlots {

    private int maxConcurrent = 5;
    private ChannelShares shares;
    private final AtomicInteger maxSeenInFlight = new AtomicInteger();
    private int current;

    /** Waits for a slot under the cap as it is now (a rebalance may lower or raise it while a request waits). */
    public synchronized void acquire() throws InterruptedException {
        while (current >= cap()) {
            // woken by a release; the timeout picks up a raised cap without one
            wait(100);
        }
        current++;
        maxSeenInFlight.accumulateAndGet(current, Math::max);
    }

    public synchronized void release() {
        current--;
        notifyAll();
    }

    /** This replica's part of the business unit's concurrent requests (none known: the whole cap). */
    int cap() {
        return (int) (shares == null ? maxConcurrent : shares.share(Channels.PARDOT, maxConcurrent));
    }

    /** Most requests this instance had in flight at once since start (never above its share of maxConcurrent). */
    public int getMaxSeenInFlight() {
        return maxSeenInFlight.get();
    }

    /** Pardot's concurrent requests per business unit, for the whole cluster (5). */
    public void setMaxConcurrent(int maxConcurrent) {
        this.maxConcurrent = maxConcurrent;
    }

    /** The channel shares ({@code #channelShares}, injected: application.properties declares this bean, see there why). */
    public void setShares(ChannelShares shares) {
        this.shares = shares;
    }

    public ChannelShares getShares() {
        return shares;
    }
}
