package com.example.notify.observe;

import com.example.notify.event.NotificationEvent;
import com.example.notify.pardot.PardotQuota;
import com.example.notify.pardot.PardotTokenSource;
import com.example.notify.smtp.PooledJavaMailSender;
import com.example.notify.support.CamelContextBean;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.component.micrometer.messagehistory.MicrometerMessageHistoryFactory;

/**
 * Business metrics next to Camel's route metrics, on the same registry (/observe/metrics). Every label value
 * comes from a bounded set: channels we serve (else {@code other}), providers, outcomes and reason codes;
 * never an address, an id or free text. Also remembers each channel's last outcome for the health checks.
 */
public class NotifyMetrics extends CamelContextBean {

    // label values allowed (notify.metrics.channels / .providers): a channel added in YAML is listed there
    private volatile Set<String> channels = Set.of("email", "pardot");
    private volatile Set<String> providers = Set.of("smtp", "ses", "pardot");
    private volatile String stepTimers = "";

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
        String feedbackKind = exchange.getProperty("notifyFeedbackKind", String.class);
        if (feedbackKind != null) {
            // SES feedback about a delivery already counted: only the feedback counter, not another delivery outcome
            // (the rate alerts divide feedback by deliveries) and not the channel's health
            counter("notify_email_feedback_total", "kind",
                    com.example.notify.feedback.SesFeedback.KINDS.contains(feedbackKind) ? feedbackKind : "other").increment();
            return;
        }
        NotificationEvent event = exchange.getProperty("notifyEvent", NotificationEvent.class);
        String outcome = exchange.getProperty("notifyStatus", "unknown", String.class);
        String channel = bounded(exchange.getProperty("notifyChannel", String.class), channels);
        String provider = bounded(exchange.getProperty("notifyProvider", String.class), providers);
        String reason = exchange.getProperty("notifyStatusReason", String.class);
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
     * Gauges over the beans that keep their own counts, and the scope of the per-step timers; run once after
     * start (route bind-metrics), before the events consumer has its partitions.
     */
    public void bind() {
        scopeStepTimers();
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
        var beans = getCamelContext().getRegistry();
        PardotQuota quota = beans.lookupByNameAndType("pardotQuota", PardotQuota.class);
        if (quota != null) {
            Gauge.builder("notify_pardot_quota_used", quota, PardotQuota::getUsedToday)
                    .description("Pardot API requests counted today").register(r);
            Gauge.builder("notify_pardot_quota_limit", quota, PardotQuota::getDailyLimit)
                    .description("Pardot daily request limit (0: not counted)").register(r);
            Gauge.builder("notify_pardot_paused", quota, q -> q.isSpent() ? 1 : 0)
                    .description("1 while the Pardot channel waits for the quota reset").register(r);
        }
        PardotTokenSource tokens = beans.lookupByNameAndType("pardotTokens", PardotTokenSource.class);
        if (tokens != null) {
            FunctionCounter.builder("notify_pardot_token_fetches", tokens, PardotTokenSource::getFetches)
                    .description("OAuth2 token requests (first fetch, expiry, refresh after 401/184)").register(r);
        }
        for (String outcome : List.of("scheduled", "deferred", "digested")) {
            r.counter("notify_delivery_timing_total", "channel", "email", "outcome", outcome);
        }
        com.example.notify.digest.DigestCollector digests =
                beans.lookupByNameAndType("digestCollector", com.example.notify.digest.DigestCollector.class);
        if (digests != null) {
            Gauge.builder("notify_digest_pending_items", digests, com.example.notify.digest.DigestCollector::getPendingItems)
                    .description("digest items waiting in open windows on this replica").register(r);
            Gauge.builder("notify_digest_open_windows", digests, com.example.notify.digest.DigestCollector::getPendingWindows)
                    .description("open digest windows (recipient and type) on this replica").register(r);
            FunctionCounter.builder("notify_digests_published", digests, com.example.notify.digest.DigestCollector::getDigestsPublished)
                    .description("digest records published to the email stage (a window rebuilt after a crash counts again)").register(r);
            FunctionCounter.builder("notify_digest_items_published", digests, com.example.notify.digest.DigestCollector::getItemsPublished)
                    .description("items in the digest records published").register(r);
        }
        PooledJavaMailSender smtp = beans.lookupByNameAndType("smtpSender", PooledJavaMailSender.class);
        if (smtp != null) {
            Gauge.builder("notify_smtp_pool_connections", smtp, PooledJavaMailSender::getActiveConnections)
                    .description("open SMTP connections in the pool").register(r);
            FunctionCounter.builder("notify_smtp_connections_opened", smtp, PooledJavaMailSender::getConnectionsOpened)
                    .description("SMTP connections opened since start").register(r);
            FunctionCounter.builder("notify_smtp_messages_sent", smtp, PooledJavaMailSender::getMessagesSent)
                    .description("messages accepted by the SMTP server").register(r);
        }
    }

    public Map<String, LastOutcome> lastOutcomes() {
        return Map.copyOf(lastOutcomes);
    }

    /**
     * Per-step timers ({@code camel_message_history_seconds}) only for the kind of step named by
     * {@code notify.metrics.step-timers} (e.g. {@code throttle}; wildcards allowed; empty: every step). A timer
     * on each of the dozens of steps an event passes cost ~13 % of the CPU in the benchmark; the dashboard reads
     * the throttles' (time waiting for a permit). Route timers are not affected.
     */
    private void scopeStepTimers() {
        if (getCamelContext().getMessageHistoryFactory() instanceof MicrometerMessageHistoryFactory factory) {
            // one kind only: the factory drops a step unless it matches every one of comma-separated patterns
            factory.setNodePattern(stepTimers.isEmpty() ? null : stepTimers);
        }
    }

    public void setStepTimers(String kind) {
        String k = kind == null ? "" : kind.strip();
        if (k.contains(",")) {
            throw new IllegalArgumentException("notify.metrics.step-timers takes one kind of step (wildcards allowed), not a list: " + k);
        }
        this.stepTimers = k;
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
}
