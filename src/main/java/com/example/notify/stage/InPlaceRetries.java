package com.example.notify.stage;

import com.example.notify.contract.ExchangeProperties;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * The channel stages' retry-while rule (channel-errors): a delivery that failed transiently is tried again in
 * place up to the policy's maximum, but only while its channel's breaker is closed. Once the breaker opened,
 * further attempts in place would only knock on a provider known to be out (and a half-open probe is one call,
 * not three); the delivery goes on to retry-later at once.
 */
public class InPlaceRetries implements Predicate {

    private ChannelBreakers breakers;

    @Override
    public boolean matches(Exchange exchange) {
        int attempt = exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        // the error handler sets the maximum as a header only when it is above 0
        int maximum = exchange.getIn().getHeader(Exchange.REDELIVERY_MAX_COUNTER, 0, Integer.class);
        return attempt <= maximum && breakers.closed(exchange.getProperty(ExchangeProperties.CHANNEL, String.class));
    }

    public void setBreakers(ChannelBreakers breakers) {
        this.breakers = breakers;
    }
}
