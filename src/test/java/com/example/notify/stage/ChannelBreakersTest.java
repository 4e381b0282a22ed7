package com.example.notify.stage;

import com.example.notify.contract.ExchangeProperties;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.notify.failure.PermanentFailureException;
import com.example.notify.failure.TransientFailureException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The channel breakers' rules: what opens them, what a probe is, what gives a permit back. */
class ChannelBreakersTest {

    final CamelContext context = new DefaultCamelContext();
    final ChannelBreakers breakers = new ChannelBreakers();

    ChannelBreakersTest() {
        breakers.setMinimumCalls(4);
        breakers.setWindow(4);
        breakers.setFailureRatePercent(50);
        breakers.setProbeIntervalSeconds(1);
        breakers.setProbeWaitMs(300);
    }

    @AfterEach
    void stopTheBreakersClock() {
        // resilience4j's automatic open -> half-open transitions run on a shared timer: a test's breaker would
        // go on flipping for the rest of the JVM
        breakers.of("email").transitionToDisabledState();
    }

    private Exchange delivery(boolean head) {
        Exchange record = new DefaultExchange(context);
        if (head) {
            record.setProperty(ExchangeProperties.PARTITION_HEAD, true);
        }
        Exchange lane = new DefaultExchange(context);
        lane.setProperty(ExchangeProperties.DELIVERY_RECORD, record);
        return lane;
    }

    private void fail(Exception failure) throws Exception {
        Exchange d = delivery(false);
        breakers.permit("email", d);
        d.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
        breakers.settleFailure(d);
        breakers.settle(d);
    }

    private void deliver(Exchange d) {
        d.setProperty("notifyStatus", "delivered");
        breakers.settle(d);
    }

    @Test
    void transientFailuresOpenTheBreakerAndThenNothingPassesUntilAHeadProbesSuccessfully() throws Exception {
        for (int i = 0; i < 4; i++) {
            fail(new TransientFailureException("smtp-connection-failed", "refused", null));
        }
        assertThat(breakers.paused("email")).isTrue();
        assertThat(breakers.closed("email")).as("no attempts in place while open").isFalse();
        assertThatThrownBy(() -> breakers.permit("email", delivery(true))).isInstanceOf(ChannelBreakers.ChannelPausedException.class);

        Thread.sleep(1_300); // the interval: half open by itself
        assertThat(breakers.of("email").getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breakers.paused("email")).isFalse();
        // a record further down a partition does not probe: it waits for the probe's outcome, then gives up
        long start = System.currentTimeMillis();
        assertThatThrownBy(() -> breakers.permit("email", delivery(false))).isInstanceOf(ChannelBreakers.ChannelPausedException.class);
        assertThat(System.currentTimeMillis() - start).isGreaterThanOrEqualTo(250);

        Exchange probe = delivery(true);
        breakers.permit("email", probe);
        assertThat(probe.getProperty(ExchangeProperties.BREAKER_PERMIT)).isEqualTo("email");
        deliver(probe);
        assertThat(breakers.closed("email")).isTrue();
        breakers.permit("email", delivery(false)); // closed: everyone passes
    }

    @Test
    void permanentFailuresAndDeliveriesThatNeverReachedTheProviderDoNotOpenIt() throws Exception {
        for (int i = 0; i < 10; i++) {
            fail(new PermanentFailureException("smtp-recipient-rejected", "550"));
        }
        for (int i = 0; i < 10; i++) {
            Exchange skipped = delivery(false);
            breakers.permit("email", skipped);
            skipped.setProperty("notifyStatus", "skipped");
            breakers.settle(skipped);
        }
        assertThat(breakers.closed("email")).isTrue();
        assertThat(breakers.of("email").getMetrics().getNumberOfBufferedCalls()).as("none of them counted").isZero();
    }

    @Test
    void aFailedProbeOpensItAgainAndAReleasedProbeLetsTheNextHeadTry() throws Exception {
        for (int i = 0; i < 4; i++) {
            fail(new TransientFailureException("smtp-connection-failed", "refused", null));
        }
        Thread.sleep(1_300);
        Exchange skippedProbe = delivery(true);
        breakers.permit("email", skippedProbe);
        skippedProbe.setProperty("notifyStatus", "skipped"); // already sent: says nothing about the provider
        breakers.settle(skippedProbe);
        Exchange probe = delivery(true);
        breakers.permit("email", probe);
        probe.setProperty(Exchange.EXCEPTION_CAUGHT, new TransientFailureException("smtp-connection-failed", "refused", null));
        breakers.settleFailure(probe);
        assertThat(breakers.paused("email")).isTrue();
    }

    @Test
    void inPlaceRetriesStopOnceTheChannelsBreakerIsNotClosed() throws Exception {
        InPlaceRetries retries = new InPlaceRetries();
        retries.setBreakers(breakers);
        Exchange d = new DefaultExchange(context);
        d.setProperty("notifyChannel", "email");
        d.getIn().setHeader(Exchange.REDELIVERY_MAX_COUNTER, 2);
        d.getIn().setHeader(Exchange.REDELIVERY_COUNTER, 2);
        assertThat(retries.matches(d)).isTrue();
        d.getIn().setHeader(Exchange.REDELIVERY_COUNTER, 3);
        assertThat(retries.matches(d)).as("past the maximum").isFalse();
        d.getIn().setHeader(Exchange.REDELIVERY_COUNTER, 1);
        for (int i = 0; i < 4; i++) {
            fail(new TransientFailureException("smtp-connection-failed", "refused", null));
        }
        assertThat(retries.matches(d)).as("breaker open").isFalse();
    }
}
