package com.example.notify.observe;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.telemetry.decorators.KafkaSpanDecorator;

/**
 * Camel's Kafka span decorator, except that a {@code toD} to a computed topic is named after that topic: Camel
 * optimises such a {@code toD} into one endpoint whose URI keeps the expression (the topic travels in the
 * {@code kafka.OVERRIDE_TOPIC} header set after the span started), so the span would be named
 * {@code $%7Bproperties:...%7D}. The expression is evaluated here as the toD evaluates it. Registered in
 * META-INF/services/org.apache.camel.telemetry.SpanDecorator; it replaces Camel's (a subclass may).
 */
public class KafkaTopicSpanDecorator extends KafkaSpanDecorator {

    private final Map<String, Expression> expressions = new ConcurrentHashMap<>();

    @Override
    public String getDestination(Exchange exchange, Endpoint endpoint) {
        String destination = super.getDestination(exchange, endpoint);
        if (destination == null || !(destination.contains("%7B") || destination.contains("${"))) {
            return destination;
        }
        String expression = destination.replace("%7B", "{").replace("%7D", "}");
        try {
            String topic = expressions.computeIfAbsent(expression,
                    e -> exchange.getContext().resolveLanguage("simple").createExpression(e)).evaluate(exchange, String.class);
            return topic == null || topic.isEmpty() ? "kafka" : topic;
        } catch (RuntimeException e) {
            return "kafka";
        }
    }
}
