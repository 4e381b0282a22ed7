package com.example.notify.contacts;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.Contact;
import com.example.notify.event.NotificationEvent;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Aggregation strategy of the {@code enrich} step: folds the contact the lookup returned (its body) into the
 * event in exchange property {@code notifyEvent}. A failed lookup never gets here: the enricher hands the
 * failure to the route's error handling.
 */
public class ContactEnrichment implements AggregationStrategy {

    @Override
    public Exchange aggregate(Exchange original, Exchange lookup) {
        Contact contact = lookup.getMessage().getBody(Contact.class);
        NotificationEvent event = original.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        original.setProperty(ExchangeProperties.EVENT, event.withContact(contact));
        return original;
    }
}
