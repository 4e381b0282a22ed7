package com.example.notify.preferences;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PolitenessLimiterTest {

    final AtomicLong now = new AtomicLong(1_000_000);
    final PolitenessLimiter limiter = new PolitenessLimiter(2, 10_000, 5_000, 100, now::get);

    @Test
    void windowSlidesPerKey() {
        assertThat(limiter.admit("a", 0).admitted()).isTrue();
        now.addAndGet(4_000);
        assertThat(limiter.admit("a", 0).admitted()).isTrue();
        assertThat(limiter.admit("a", 0).admitted()).as("third within 10 s").isFalse();
        assertThat(limiter.admit("b", 0).admitted()).as("other recipient").isTrue();
        now.addAndGet(6_000);
        assertThat(limiter.admit("a", 0).admitted()).as("first send left the window").isTrue();
        assertThat(limiter.admit("a", 0).admitted()).isFalse();
    }

    @Test
    void holdReservesTheNextFreeSlotWithinMaxHold() {
        limiter.admit("a", 5_000);
        now.addAndGet(7_000);
        limiter.admit("a", 5_000);
        PolitenessLimiter.Admission held = limiter.admit("a", 5_000);
        assertThat(held.admitted()).isTrue();
        assertThat(held.holdMs()).as("until the first send leaves the window").isEqualTo(3_000);
        PolitenessLimiter.Admission next = limiter.admit("a", 5_000);
        assertThat(next.admitted()).as("next slot is 10 s after the second send: beyond max hold").isFalse();
    }

    @Test
    void peekAnswersAsAdmitWouldAndCountsNothing() {
        assertThat(limiter.peek("a", 0)).isEqualTo(new PolitenessLimiter.Admission(true, 0));
        limiter.admit("a", 5_000);
        now.addAndGet(7_000);
        limiter.admit("a", 5_000);
        for (int i = 0; i < 5; i++) {
            // full: what admit would do is a hold of 3 s (with hold) or a skip, however often a preview asks
            assertThat(limiter.peek("a", 5_000)).isEqualTo(new PolitenessLimiter.Admission(true, 3_000));
            assertThat(limiter.peek("a", 0).admitted()).isFalse();
        }
        // nothing was reserved by the peeks: admit still gets that first slot
        assertThat(limiter.admit("a", 5_000)).isEqualTo(new PolitenessLimiter.Admission(true, 3_000));
        assertThat(limiter.peek("b", 0).admitted()).as("a recipient never seen").isTrue();
    }

    @Test
    void zeroLimitMeansNoLimit() {
        PolitenessLimiter off = new PolitenessLimiter(0, 10_000, 0, 100, now::get);
        for (int i = 0; i < 100; i++) {
            assertThat(off.admit("a", 0)).isEqualTo(new PolitenessLimiter.Admission(true, 0));
        }
    }

    @Test
    void aHighLimitCostsMemoryByUseNotByLimit() {
        // found by the fault suite: state sized by the limit up front made 1,000 recipients at limit 100,000 fill a
        // 512 MB heap; here 20,000 recipients at limit 10,000,000 would need terabytes that way
        PolitenessLimiter generous = new PolitenessLimiter(10_000_000, 60_000, 0, 1_000_000, now::get);
        for (int i = 0; i < 20_000; i++) {
            assertThat(generous.admit("recipient-" + i, 0).admitted()).isTrue();
        }
    }
}
