package com.example.notify.stage;

import com.example.notify.contract.ExchangeProperties;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.notify.failure.PermanentFailureException;
import com.example.notify.deadletter.RedeliveryCounter;
import com.example.notify.failure.TransientFailureException;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** Which tier a failed delivery waits on, for how long, and when it is dead-lettered instead. */
class RetryTiersTest {

    long now = 1_000_000_000L;
    final RetryTiers tiers = new RetryTiers();

    RetryTiersTest() {
        tiers.setTiers("30s,2m,10m");
        tiers.setTopicPrefix("n.retry.");
        tiers.setClock(() -> now);
    }

    private Exchange failed(Exception failure, Integer redeliveries) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
        exchange.setProperty(ExchangeProperties.REDELIVERIES, redeliveries);
        return exchange;
    }

    private boolean scheduled(Exchange exchange, String horizon, String target) {
        tiers.schedule(exchange, horizon, target);
        return exchange.getProperty(ExchangeProperties.RETRY_TOPIC) != null;
    }

    @Test
    void tiersFollowEachOtherWithJitterAndTheLastRepeats() {
        Exchange exchange = failed(new TransientFailureException("smtp-connection-failed: refused"), 2);
        String[] expected = {"n.retry.30s", "n.retry.2m", "n.retry.10m", "n.retry.10m"};
        long[] delays = {30_000, 120_000, 600_000, 600_000};
        for (int round = 0; round < expected.length; round++) {
            assertThat(scheduled(exchange, "24h", "n.deliver.email")).isTrue();
            assertThat(exchange.getProperty(ExchangeProperties.RETRY_TOPIC)).isEqualTo(expected[round]);
            long due = Long.parseLong(exchange.getMessage().getHeader(RetryTiers.DUE, String.class));
            assertThat(due - now).as("jitter only shortens").isBetween((long) (delays[round] * 0.8), (long) delays[round]);
            now = due;
        }
        assertThat(exchange.getMessage().getHeader(RetryTiers.TARGET)).isEqualTo("n.deliver.email");
        assertThat(exchange.getMessage().getHeader(RetryTiers.ATTEMPTS)).as("3 attempts per round").isEqualTo("12");
        assertThat(exchange.getMessage().getHeader(RetryTiers.FIRST_FAILURE)).isEqualTo("1000000000");
    }

    @Test
    void pastTheHorizonOrPermanentIsDeadLettered() {
        Exchange exchange = failed(new TransientFailureException("smtp-connection-failed: refused"), null);
        assertThat(scheduled(exchange, "5m", "t")).as("30 s tier within 5 min").isTrue();
        now += 40_000;
        assertThat(scheduled(exchange, "5m", "t")).as("2 min tier within 5 min of the first failure").isTrue();
        now += 130_000;
        assertThat(scheduled(exchange, "5m", "t")).as("10 min tier would end past the horizon").isFalse();
        assertThat(scheduled(failed(new PermanentFailureException("smtp-recipient-rejected: 550"), 0), "24h", "t")).isFalse();
        assertThat(scheduled(failed(new TransientFailureException("x: y"), 0), "0s", "t")).as("horizon 0: no tier").isFalse();
    }

    @Test
    void durationsAreReadOrRefused() {
        assertThat(RetryTiers.durationMs("500ms")).isEqualTo(500);
        assertThat(RetryTiers.durationMs("7d")).isEqualTo(604_800_000L);
        assertThatThrownBy(() -> RetryTiers.durationMs("soon")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tiers.setTiers(" , ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPolitenessHoldWaitsOnTheFirstTierLongEnoughDueExactlyWhenHeldAndCountsNoAttempt() {
        Exchange short_ = new DefaultExchange(new DefaultCamelContext());
        tiers.hold(short_, 4_000, "n.deliver.email");
        assertThat(short_.getProperty(ExchangeProperties.RETRY_TOPIC)).isEqualTo("n.retry.30s");
        assertThat(short_.getMessage().getHeader(RetryTiers.DUE)).isEqualTo(String.valueOf(now + 4_000));
        assertThat(short_.getMessage().getHeader(RetryTiers.TARGET)).isEqualTo("n.deliver.email");
        assertThat(short_.getMessage().getHeader(RetryTiers.ATTEMPTS)).isNull();
        assertThat(short_.getMessage().getHeader(RetryTiers.ROUNDS)).isNull();

        Exchange longer = new DefaultExchange(new DefaultCamelContext());
        tiers.hold(longer, 90_000, "n.deliver.email");
        assertThat(longer.getProperty(ExchangeProperties.RETRY_TOPIC)).as("the longest tier that fits in 90 s, for its full delay").isEqualTo("n.retry.30s");
        assertThat(longer.getMessage().getHeader(RetryTiers.DUE)).isEqualTo(String.valueOf(now + 30_000));
        assertThat(longer.getMessage().getHeader(RetryTiers.HOLD_UNTIL)).isEqualTo(String.valueOf(now + 90_000));

        Exchange beyond = new DefaultExchange(new DefaultCamelContext());
        tiers.hold(beyond, 3_600_000, "n.deliver.email");
        assertThat(beyond.getProperty(ExchangeProperties.RETRY_TOPIC)).as("longer than every tier: the last").isEqualTo("n.retry.10m");
        // never longer than the tier's delay there (the retries behind it would wait for it): it hops
        assertThat(beyond.getMessage().getHeader(RetryTiers.DUE)).isEqualTo(String.valueOf(now + 600_000));
        assertThat(beyond.getMessage().getHeader(RetryTiers.HOLD_UNTIL)).isEqualTo(String.valueOf(now + 3_600_000));
        assertThat(short_.getMessage().getHeader(RetryTiers.HOLD_UNTIL)).as("within a tier: no hops").isNull();
    }

    @Test
    void aScheduledSendHopsOnTheLastTierThenTakesTheTierThatEndsItsWaitExactly() {
        java.time.OffsetDateTime at = java.time.Instant.ofEpochMilli(now + 25 * 60_000 + 45_000).atOffset(java.time.ZoneOffset.ofHours(2));
        assertThat(tiers.isScheduled(event(at), 0)).isTrue();
        assertThat(tiers.isScheduled(event(java.time.Instant.ofEpochMilli(now - 1_000).atOffset(java.time.ZoneOffset.UTC)), 0)).as("already past").isFalse();
        assertThat(tiers.isScheduled(event(null), 0)).isFalse();
        assertThat(tiers.isScheduled(event(null), now + 60_000)).as("quiet hours alone").isTrue();

        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        tiers.holdUntilDue(exchange, event(at), 0, null, "n.deliver.email");
        long until = at.toInstant().toEpochMilli();
        assertThat(exchange.getProperty(ExchangeProperties.RETRY_TOPIC)).isEqualTo("n.retry.10m");
        assertThat(exchange.getMessage().getHeader(RetryTiers.HOLD_UNTIL)).isEqualTo(String.valueOf(until));
        assertThat(exchange.getMessage().getHeader(RetryTiers.TARGET)).isEqualTo("n.deliver.email");
        // the forwarder's hops, each tier entered for its full delay: 10 min, 10 min, 2 min, 2 min, 30 s, 30 s,
        // 30 s, then the 15 s left on the first tier, due exactly then
        long[] expected = {600_000, 600_000, 120_000, 120_000, 30_000, 30_000, 30_000};
        String[] topics = {"n.retry.10m", "n.retry.10m", "n.retry.2m", "n.retry.2m", "n.retry.30s", "n.retry.30s", "n.retry.30s"};
        now += 600_000;
        for (int i = 1; i < expected.length; i++) {
            assertThat(tiers.hop(until)).isEqualTo(new RetryTiers.Hop(topics[i], now + expected[i]));
            now += expected[i];
        }
        assertThat(tiers.hop(until)).isEqualTo(new RetryTiers.Hop("n.retry.30s", until));
        assertThat(until - now).isEqualTo(15_000);

        Exchange politeLater = new DefaultExchange(new DefaultCamelContext());
        tiers.holdUntilDue(politeLater, event(java.time.Instant.ofEpochMilli(now + 5_000).atOffset(java.time.ZoneOffset.UTC)), 0, 60_000L, "t");
        assertThat(politeLater.getMessage().getHeader(RetryTiers.HOLD_UNTIL)).as("the later of the two").isEqualTo(String.valueOf(now + 60_000));
        assertThat(politeLater.getMessage().getHeader(RetryTiers.DUE)).as("30 s of it on the 30 s tier").isEqualTo(String.valueOf(now + 30_000));
        Exchange quietLater = new DefaultExchange(new DefaultCamelContext());
        tiers.holdUntilDue(quietLater, event(java.time.Instant.ofEpochMilli(now + 5_000).atOffset(java.time.ZoneOffset.UTC)), now + 20_000, 0L, "t");
        assertThat(quietLater.getMessage().getHeader(RetryTiers.DUE)).as("quiet hours end later").isEqualTo(String.valueOf(now + 20_000));
    }

    private static com.example.notify.event.NotificationEvent event(java.time.OffsetDateTime deliverAt) {
        String json = "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"/s\",\"type\":\"t\","
                + (deliverAt == null ? "" : "\"deliverat\":\"" + deliverAt + "\",")
                + "\"data\":{\"recipient\":{\"contactId\":\"c-1\"},\"channels\":[\"email\"],\"template\":\"t\"}}";
        return new com.example.notify.event.EventValidator().validate(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.util.Map.of());
    }
}
