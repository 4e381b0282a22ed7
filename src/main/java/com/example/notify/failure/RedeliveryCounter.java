package com.example.notify.failure;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Runs before each redelivery and remembers its number in an exchange property: the dead letter channel
 * removes Camel's redelivery headers before it calls the dead-letter route, which needs the count.
 */
public class RedeliveryCounter implements Processor {

    public static final String PROPERTY = "notifyRedeliveries";

    @Override
    public void process(Exchange exchange) {
        exchange.setProperty(PROPERTY, exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, Integer.class));
    }
}
