package com.example.notify.contacts;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.Contact;
import com.example.notify.event.NotificationEvent;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Aggregation strategy of the {@code enrich} step: folds the contact the lookup returned (its body) into the
 * event in exchange property {@code notifyEvent}. A failed lookup gets here only where the enrich step asks for
 * it ({@code aggregateOnException}, the preview): its failure goes on the event's exchange, whose message stays the
 * event's (Camel's enricher would otherwise copy the lookup's message, the contacts API's answer, over it).
 */
public class ContactEnrichment implements AggregationStrategy {

    @Override
    public Exchange aggregate(Exchange original, Exchange lookup) {
        if (lookup.getException() != null) {
            original.setException(lookup.getException());
            return original;
        }
        Contact contact = lookup.getMessage().getBody(Contact.class);
        NotificationEvent event = original.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        original.setProperty(ExchangeProperties.EVENT, event.withContact(contact));
        return original;
    }
}
