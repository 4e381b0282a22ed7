package com.example.notify.observe;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.MessageHistory;
import org.apache.camel.NamedNode;
import org.apache.camel.component.micrometer.messagehistory.MicrometerMessageHistoryFactory;
import org.apache.camel.support.PatternHelper;

/**
 * Per-step timers ({@code camel_message_history_seconds}) only for one kind of step ({@code
 * notify.metrics.step-timers}, e.g. {@code throttle}; wildcards allowed; empty: every step), decided once per
 * step of a route.
 *
 * <p>Why not Camel's own factory with its node pattern: it decides again on every step an exchange passes,
 * splitting the pattern and compiling it as a regular expression each time (~5 % of the email stage's CPU in the
 * D3 profile, docs/benchmarks.md), although a step's kind never changes. A timer on each of the dozens of steps
 * an event passes cost ~13 % of the CPU; the dashboard reads only the throttles' (time waiting for a permit).
 *
 * <p>Installed by camel-main as the context's message-history factory (a bean of this type, with
 * {@code camel.metrics.enable-message-history=false} so that the metrics service does not install its own); it
 * records into the metrics service's registry ({@code metricsRegistry}).
 */
public class StepTimerHistoryFactory extends MicrometerMessageHistoryFactory {

    private volatile String kind = "";
    // route steps are long-lived model objects: one decision per step, by identity
    private final Map<NamedNode, Boolean> timed = new ConcurrentHashMap<>();

    @Override
    public MessageHistory newMessageHistory(String routeId, NamedNode node, Exchange exchange) {
        return timed.computeIfAbsent(node, this::isTimed) ? super.newMessageHistory(routeId, node, exchange) : null;
    }

    private boolean isTimed(NamedNode node) {
        return kind.isEmpty() || PatternHelper.matchPattern(node.getShortName(), kind);
    }

    /** The kind of step that gets a timer: one kind, wildcards allowed; empty or blank: every step. */
    public void setStepKind(String stepKind) {
        String k = stepKind == null ? "" : stepKind.strip();
        if (k.contains(",")) {
            throw new IllegalArgumentException("notify.metrics.step-timers takes one kind of step (wildcards allowed), not a list: " + k);
        }
        kind = k;
        timed.clear();
    }

    public String getStepKind() {
        return kind;
    }
}
