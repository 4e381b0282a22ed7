package com.example.notify.failure;

import org.apache.camel.Exchange;

/**
 * Used in a circuit breaker's fallback: a permanent failure of the primary provider (the recipient was
 * rejected, the message is invalid) would fail the same way on the secondary, so it is rethrown instead of
 * failing over; transient failures and an open circuit fall through to the secondary.
 */
public class FailoverDecision {

    public void rethrowIfPermanent(Exchange exchange) {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        for (Throwable t = caught; t != null; t = t.getCause()) {
            if (t instanceof PermanentFailureException permanent) {
                throw permanent;
            }
        }
    }
}
