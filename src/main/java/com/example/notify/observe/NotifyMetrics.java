package com.example.notify.observe;

import com.example.notify.contract.Channels;
import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.NotificationEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;

/**
 * Business metrics next to Camel's route metrics, on the same registry (/observe/metrics). Every label value
 * comes from a bounded set: channels we serve (else {@code other}), providers, outcomes and reason codes;
 * never an address, an id or free text. Also remembers each channel's last outcome for the health checks.
 */
public class NotifyMetrics implements CamelContextAware {

    private CamelContext camelContext;

    // label values allowed: notify.metrics.channels (by default notify.channels, the one list) and .providers
    private volatile Set<String> channels = Set.of();
    private volatile Set<String> providers = Set.of("smtp", "ses", "pardot");

    private volatile MeterRegistry registry;
    private final Map<String, LastOutcome> lastOutcomes = new ConcurrentHashMap<>();
    // meters by name and label values: a registry lookup builds and sorts the tags on every call; the label
    // sets are bounded, so this map is too
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> latencyTimers = new ConcurrentHashMap<>();

    /** The last outcome seen for a channel (or {@code contacts}), for {@link ChannelHealthCheck}. */
    public record LastOutcome(String outcome, String reason, Instant at) {
    }

    /** Counts an event read from the topic: accepted (valid, not a duplicate) or duplicate. */
    public void event(String outcome) {
        counter("notify_events_total", "outcome", outcome).increment();
    }

    /** A bounded label: high, low, else normal. */
    static String priorityLabel(String priority) {
        return "high".equalsIgnoreCase(priority) ? "high" : "low".equalsIgnoreCase(priority) ? "low" : "normal";
    }

    /** Called for every status event (publish-status): deliveries, dead letters, latency, last outcomes. */
    public void status(Exchange exchange) {
        String feedbackKind = exchange.getProperty(ExchangeProperties.FEEDBACK_KIND, String.class);
        if (feedbackKind != null) {
            // SES feedback about a delivery already counted: only the feedback counter, not another delivery outcome
            // (the rate alerts divide feedback by deliveries) and not the channel's health
            counter("notify_email_feedback_total", "kind",
                    com.example.notify.feedback.SesFeedback.KINDS.contains(feedbackKind) ? feedbackKind : "other").increment();
            return;
        }
        NotificationEvent event = exchange.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        String outcome = exchange.getProperty(ExchangeProperties.STATUS, "unknown", String.class);
        String channel = bounded(exchange.getProperty(ExchangeProperties.CHANNEL, String.class), channels);
        String provider = bounded(exchange.getProperty(ExchangeProperties.PROVIDER, String.class), providers);
        String reason = exchange.getProperty(ExchangeProperties.STATUS_REASON, String.class);
        if (event == null && "dead-lettered".equals(outcome)) {
            counter("notify_events_total", "outcome", "invalid").increment();
        }
        counter("notify_deliveries_total", "channel", channel, "provider", provider, "outcome", outcome).increment();
        if ("dead-lettered".equals(outcome)) {
            counter("notify_dead_letters_total", "channel", channel, "reason", code(reason)).increment();
        }
        if ("scheduled".equals(outcome) || "deferred".equals(outcome) || "digested".equals(outcome)) {
            // delivery timing (issue 25): accepted now, delivered later (scheduled send, quiet hours, digest window)
            counter("notify_delivery_timing_total", "channel", channel, "outcome", outcome).increment();
        }
        if ("bounced".equals(outcome)) {
            // deliverability feedback: an SMTP hard bounce (SES feedback is counted above, by its kind);
            // the alert rules divide it by the email deliveries
            counter("notify_email_feedback_total", "kind", "hard-bounce").increment();
        }
        if ("skipped".equals(outcome)) {
            counter("notify_skipped_total", "channel", channel, "reason", code(reason)).increment();
        }
        if ("delivered".equals(outcome) && event != null && event.getTime() != null) {
            Duration latency = Duration.between(event.getTime().toInstant(), Instant.now());
            if (!latency.isNegative()) {
                // the event's priority as a label (high, normal, low): a low event's latency includes the time its
                // lane yielded to the normal one, by design, and is kept apart from it
                String priority = priorityLabel(event.getPriority());
                latencyTimers.computeIfAbsent(channel + '\u001f' + priority, k -> Timer.builder("notify_delivery_latency")
                        .description("event time to acceptance by the provider")
                        .tag("channel", channel)
                        .tag("priority", priority)
                        .publishPercentileHistogram()
                        .maximumExpectedValue(Duration.ofHours(1))
                        .register(registry())).record(latency);
            }
        }
        String health = reason != null && reason.startsWith("contacts-") ? "contacts" : channel;
        if (!"none".equals(health) && !"other".equals(health) && !"skipped".equals(outcome)) {
            lastOutcomes.put(health, new LastOutcome(outcome, reason, Instant.now()));
        }
    }

    /**
     * The meters of the beans that keep their own counts (each a MeterBinder), and the scope of the per-step
     * timers; run once after start (route bind-metrics), before the events consumer has its partitions.
     */
    public void bind() {
        MeterRegistry r = registry();
        // series that exist from the start, so rate() and the dashboard work before the first occurrence
        for (String outcome : List.of("accepted", "duplicate", "invalid")) {
            r.counter("notify_events_total", "outcome", outcome);
        }
        for (String channel : channels) {
            r.counter("notify_skipped_total", "channel", channel, "reason", "already-sent");
        }
        for (String kind : com.example.notify.feedback.SesFeedback.KINDS) {
            r.counter("notify_email_feedback_total", "kind", kind);
        }
        for (String outcome : List.of("scheduled", "deferred", "digested")) {
            r.counter("notify_delivery_timing_total", "channel", Channels.EMAIL, "outcome", outcome);
        }
        // the beans that keep their own counts bind their meters themselves (Micrometer's MeterBinder); only
        // ours: a JVM binder of the metrics component, bound twice, would add its listeners twice
        for (MeterBinder binder : getCamelContext().getRegistry().findByType(MeterBinder.class)) {
            if (binder.getClass().getName().startsWith("com.example.notify.")) {
                binder.bindTo(r);
            }
        }
    }

    public Map<String, LastOutcome> lastOutcomes() {
        return Map.copyOf(lastOutcomes);
    }

    /** {@code name} followed by label name/value pairs. */
    private Counter counter(String... nameAndTags) {
        return counters.computeIfAbsent(List.of(nameAndTags), k -> registry().counter(nameAndTags[0],
                Arrays.copyOfRange(nameAndTags, 1, nameAndTags.length)));
    }

    private static String bounded(String value, Set<String> known) {
        if (value == null || value.isBlank()) {
            return "none";
        }
        return known.contains(value) ? value : "other";
    }

    /** Reason codes are kebab-case constants of ours; anything else (an exception name) is folded. */
    private static String code(String reason) {
        if (reason == null || reason.isBlank()) {
            return "none";
        }
        return reason.matches("[a-z0-9]+(-[a-z0-9]+)*") && reason.length() <= 48 ? reason : "other";
    }

    MeterRegistry registry() {
        MeterRegistry r = registry;
        if (r == null) {
            synchronized (this) {
                if (registry == null) {
                    MeterRegistry found = getCamelContext().getRegistry().findSingleByType(MeterRegistry.class);
                    registry = found != null ? found : new SimpleMeterRegistry();
                }
                r = registry;
            }
        }
        return r;
    }

    public void setChannels(String csv) {
        this.channels = csvSet(csv);
    }

    public void setProviders(String csv) {
        this.providers = csvSet(csv);
    }

    private static Set<String> csvSet(String csv) {
        return Set.copyOf(Arrays.stream(csv.split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList());
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
