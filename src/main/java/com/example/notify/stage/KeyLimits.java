package com.example.notify.stage;

import com.example.notify.event.NotificationEvent;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Locale;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;

/**
 * Optional limits per key inside a channel, for senders with several brands or customers: with
 * {@code notify.limits.key} = {@code type} or {@code source}, a delivery whose key has
 * {@code notify.<channel>.per-second.<key>} set is throttled to that rate for the whole cluster (this
 * replica's share, as {@link ChannelShares} computes it), on top of the channel's own limit. Keys without a
 * limit pass untouched. The channel stage throttles by {@link #correlation} with {@link #perSecond} as the rate.
 */
public class KeyLimits implements CamelContextAware {

    private CamelContext camelContext;
    private String key = "";
    private ChannelShares shares;
    // per (channel, key) from event data: bounded, so a stream of made-up types cannot grow it without end
    private final Cache<String, Optional<Long>> limits = Caffeine.newBuilder().maximumSize(10_000).build();

    /** Whether this delivery's key has a limit of its own. */
    public boolean limited(String channel, NotificationEvent event) {
        return configured(channel, event) > 0;
    }

    /** The throttle's correlation: one throttle per channel and key. */
    public String correlation(String channel, NotificationEvent event) {
        return channel + "|" + keyOf(event);
    }

    /** This replica's share of the key's cluster-wide rate. */
    public long perSecond(String channel, NotificationEvent event) {
        long limit = configured(channel, event);
        return shares == null ? limit : shares.share(channel, limit);
    }

    private long configured(String channel, NotificationEvent event) {
        String value = keyOf(event);
        if (value == null || camelContext == null) {
            return 0;
        }
        return limits.get(channel + "|" + value, k -> camelContext.getPropertiesComponent()
                .resolveProperty("notify." + channel + ".per-second." + value)
                .map(String::strip).filter(v -> !v.isEmpty()).map(Long::parseLong)).orElse(0L);
    }

    private String keyOf(NotificationEvent event) {
        return switch (key) {
            case "type" -> event.getType();
            case "source" -> event.getSource();
            default -> null;
        };
    }

    /** {@code type}, {@code source}, or empty: no limits per key. */
    public void setKey(String key) {
        String k = key == null ? "" : key.strip().toLowerCase(Locale.ROOT);
        if (!k.isEmpty() && !k.equals("type") && !k.equals("source")) {
            throw new IllegalArgumentException("notify.limits.key must be type, source or empty, not " + k);
        }
        this.key = k;
    }

    public void setShares(ChannelShares shares) {
        this.shares = shares;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
