package com.example.notify.deadletter;

import com.example.notify.contract.ExchangeProperties;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Produce;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs before each redelivery. Remembers its number in an exchange property (the dead letter channel removes
 * Camel's redelivery headers before it calls the dead-letter route, which needs the count) and publishes a
 * {@code failed} status for the attempt that just failed transiently, so a slow retry is visible to the
 * producer of the event while it happens.
 *
 * <p>It sends to a route itself because the error handler runs no route step between two attempts: its hooks
 * (onRedelivery, onExceptionOccurred, retryWhile) are processors and predicates.
 */
public class RedeliveryCounter implements Processor {

    // Camel's bean post-processor injects it into beans declared in YAML too (camel-main 4.17)
    @Produce
    private ProducerTemplate producer;
    private static final Logger LOG = LoggerFactory.getLogger(RedeliveryCounter.class);

    private String statusUri = "direct:publish-status";

    @Override
    public void process(Exchange exchange) {
        Integer redelivery = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, Integer.class);
        exchange.setProperty(ExchangeProperties.REDELIVERIES, redelivery);
        if (statusUri != null && !statusUri.isBlank() && redelivery != null) {
            // numbered across the rounds on the retry tiers: attempts before this round come with the record
            String earlier = exchange.getMessage().getHeader("notify-attempts", String.class);
            int before = 0;
            try {
                before = earlier == null ? 0 : Integer.parseInt(earlier.strip());
            } catch (NumberFormatException e) {
                // not ours: count from this round
            }
            publishFailedAttempt(exchange, before + redelivery);
        }
    }

    private void publishFailedAttempt(Exchange exchange, int failedAttempt) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Exchange status = exchange.copy();
        status.setException(null);
        status.setProperty(ExchangeProperties.STATUS, "failed");
        status.setProperty(ExchangeProperties.STATUS_REASON, DeadLetterHeaders.transientReasonOf(failure));
        status.setProperty(ExchangeProperties.ATTEMPT, failedAttempt);
        producer.send(statusUri, status);
        if (status.getException() != null) {
            // the status is a courtesy; the redelivery itself must go on
            LOG.warn("Could not publish the failed-attempt status: {}", status.getException().getClass().getSimpleName());
        }
    }

    /** Where failed-attempt statuses go; empty: none are published. */
    public void setStatusUri(String statusUri) {
        this.statusUri = statusUri;
    }
}
