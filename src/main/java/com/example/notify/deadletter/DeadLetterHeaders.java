package com.example.notify.deadletter;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.InvalidEventException;
import com.example.notify.failure.Masking;
import com.example.notify.failure.NotificationFailureException;
import java.time.Instant;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.util.URISupport;

/**
 * Copies why, where and how often an exchange failed from Camel's exchange properties into record headers
 * for the dead-letter topic; a dead-letter URI that points straight at Kafka would carry none of it.
 * Messages are masked: a provider's error text may quote the recipient's address.
 */
public class DeadLetterHeaders {

    public static final String PREFIX = "notify-dlq-";
    public static final String REASON = PREFIX + "reason";
    /** Reason for a failure we did not classify, after its redeliveries were spent. */
    public static final String RETRIES_EXHAUSTED = "retries-exhausted";
    private static final int MAX_TEXT = 1000;

    public void describe(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        var in = exchange.getMessage();
        in.setHeader(REASON, reasonOf(failure));
        if (failure instanceof InvalidEventException invalid) {
            in.setHeader(PREFIX + "problems", Masking.maskAndTruncate(String.join("\n", invalid.problems()), 4 * MAX_TEXT));
        }
        if (failure != null) {
            in.setHeader(PREFIX + "exception-class", failure.getClass().getName());
            in.setHeader(PREFIX + "exception-message", Masking.maskAndTruncate(String.valueOf(failure.getMessage()), MAX_TEXT));
        }
        setIfPresent(exchange, PREFIX + "route-id", exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class));
        String endpoint = exchange.getProperty(Exchange.FAILURE_ENDPOINT, String.class);
        if (endpoint != null) {
            in.setHeader(PREFIX + "endpoint", URISupport.sanitizeUri(endpoint));
        }
        Integer redeliveries = exchange.getProperty(ExchangeProperties.REDELIVERIES, Integer.class);
        // attempts of earlier rounds on the retry tiers (header notify-attempts) count too
        long earlier = parseOr(in.getHeader("notify-attempts", String.class), 0);
        in.setHeader(PREFIX + "attempts", String.valueOf(earlier + (redeliveries == null ? 1 : redeliveries + 1)));
        setIfPresent(exchange, PREFIX + "original-topic", in.getHeader(KafkaConstants.TOPIC, String.class));
        setIfPresent(exchange, PREFIX + "original-partition", in.getHeader(KafkaConstants.PARTITION, String.class));
        setIfPresent(exchange, PREFIX + "original-offset", in.getHeader(KafkaConstants.OFFSET, String.class));
        in.setHeader(PREFIX + "time", Instant.now().toString());
        NotificationEvent event = exchange.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        if (event != null) {
            in.setHeader(PREFIX + "event-id", event.getId());
            in.setHeader(PREFIX + "event-source", event.getSource());
        }
        setIfPresent(exchange, PREFIX + "channel", exchange.getProperty(ExchangeProperties.CHANNEL, String.class));
        exchange.setProperty(ExchangeProperties.STATUS_REASON, in.getHeader(REASON));
    }

    static String reasonOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof NotificationFailureException known) {
                return known.reason();
            }
        }
        return RETRIES_EXHAUSTED;
    }

    /** The reason of the failure an exchange caught, as {@link #transientReasonOf} names it. */
    public String transientReason(Exchange exchange) {
        return transientReasonOf(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
    }

    /** Reason for a failed attempt that will be retried: the classified reason, else the exception's name. */
    static String transientReasonOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof NotificationFailureException known) {
                return known.reason();
            }
        }
        return failure == null ? "unknown" : failure.getClass().getSimpleName();
    }

    private static long parseOr(String value, long fallback) {
        try {
            return value == null ? fallback : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static void setIfPresent(Exchange exchange, String header, String value) {
        if (value != null) {
            exchange.getMessage().setHeader(header, value);
        }
    }
}
