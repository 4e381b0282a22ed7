package com.example.notify.pardot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.notify.stage.ChannelShares;
import com.example.notify.stage.ChannelSharesFixture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The daily quota shared by replicas: each stops at its share, and all stop at the business unit's reported usage. */
class PardotQuotaSharesTest {

    private static PardotQuota quota(long limit, ChannelShares shares) {
        PardotQuota quota = new PardotQuota();
        quota.setDailyLimit(limit);
        quota.setShares(shares);
        return quota;
    }

    @Test
    void threeReplicasTogetherNeverExceedASmallDailyQuota() {
        long taken = 0;
        for (int replica = 0; replica < 3; replica++) {
            int r = replica;
            PardotQuota quota = quota(30, ChannelSharesFixture.owning("pardot", 12, IntStream.range(0, 12).filter(p -> p % 3 == r).toArray()));
            while (quota.tryAcquire()) {
                taken++;
            }
            assertTrue(quota.isSpent());
        }
        assertEquals(30, taken, "each of 3 replicas takes 10 of 30");
    }

    @Test
    void theBusinessUnitsReportedUsageStopsAReplicaBeforeItsShare() {
        // the replica owns everything now, but Pardot says the others spent most of the day's quota before
        PardotQuota quota = quota(30, ChannelSharesFixture.owning("pardot", 12, IntStream.range(0, 12).toArray()));
        assertTrue(quota.tryAcquire());
        quota.reportedUsage("29");
        assertTrue(quota.tryAcquire(), "29 of 30 used: one left");
        quota.reportedUsage("30");
        assertFalse(quota.tryAcquire(), "the business unit is at its limit");
        assertEquals(2, quota.getUsedToday());
    }

    @Test
    void withoutSharesTheWholeLimitIsThisProcesssAlone() {
        PardotQuota quota = quota(3, null);
        assertTrue(quota.tryAcquire() && quota.tryAcquire() && quota.tryAcquire());
        assertFalse(quota.tryAcquire());
    }

    @Test
    void threeReplicasHoldAtMostFiveRequestSlotsTogether() {
        int slots = 0;
        for (int replica = 0; replica < 3; replica++) {
            int r = replica;
            PardotSlots client = new PardotSlots();
            client.setMaxConcurrent(5);
            client.setShares(ChannelSharesFixture.owning("pardot", 12, IntStream.range(0, 12).filter(p -> p % 3 == r).toArray()));
            slots += client.cap();
        }
        assertEquals(3, slots, "5 × 4/12 rounded down, at least 1: one slot each");
        PardotSlots alone = new PardotSlots();
        alone.setMaxConcurrent(5);
        alone.setShares(ChannelSharesFixture.owning("pardot", 12, IntStream.range(0, 12).toArray()));
        assertEquals(5, alone.cap());
    }

    @Test
    void aShareSmallForAMomentDoesNotPauseTheReplicaForTheDay() {
        ChannelShares shares = ChannelSharesFixture.owning("pardot", 12, 0, 1, 2, 3, 4, 5);
        PardotQuota quota = quota(120, shares);
        for (int i = 0; i < 10; i++) {
            assertTrue(quota.tryAcquire());
        }
        // mid-rebalance: its partitions revoked, the share is the minimum of 1, already used
        shares.revoked(IntStream.range(0, 6).mapToObj(p -> new org.apache.kafka.common.TopicPartition("deliver.pardot", p)).toList());
        assertFalse(quota.tryAcquire());
        assertTrue(quota.isSpent());
        // the partitions come back: so does its share of the day (60)
        shares.assigned(IntStream.range(0, 6).mapToObj(p -> new org.apache.kafka.common.TopicPartition("deliver.pardot", p)).toList(),
                java.util.Set.of("deliver.pardot"), t -> 12);
        assertFalse(quota.isSpent());
        assertTrue(quota.tryAcquire());
        assertEquals(11, quota.getUsedToday());
    }
}
