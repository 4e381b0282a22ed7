package com.example.notify.stage;

import com.example.notify.contract.ExchangeProperties;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Aggregation strategy of a channel stage's splits: notes on each delivery record whether it reached a
 * terminal state (delivered, skipped or dead-lettered: the exchange came back without an exception), which
 * is what {@link DeliveryCommits} commits by. A record whose exchange still failed (its dead letter could not
 * be published) stays unfinished and is read again. Exceptions stop at the lane: the other lanes go on, and
 * the batch's outcome is decided by the notes, not by the first exception.
 */
public class DeliveryOutcomes implements AggregationStrategy {


    private final boolean lane;
    private ChannelBreakers breakers;

    /** {@code lane}: the strategy of the split over lanes, which keeps a lane's failure from failing the batch. */
    public DeliveryOutcomes(boolean lane) {
        this.lane = lane;
    }

    public DeliveryOutcomes() {
        this(false);
    }

    /** Told how each delivery that took a breaker's permit ended (record level). */
    public void setBreakers(ChannelBreakers breakers) {
        this.breakers = breakers;
    }

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        if (!lane) {
            Exchange record = newExchange.getProperty(ExchangeProperties.DELIVERY_RECORD, Exchange.class);
            if (record != null && newExchange.getException() == null) {
                record.setProperty(ExchangeProperties.DELIVERY_FINISHED, Boolean.TRUE);
            }
            if (breakers != null) {
                breakers.settle(newExchange);
            }
        }
        // a lane's exchange carries the properties of its records' exchanges (the split copies its result back),
        // the first record among them: only the record-level split marks. Both levels keep a delivery's ending
        // from ending the batch: the split copies the result's exception and its routing flags back to the
        // batch, and a record dead-lettered (handled by the error handler) or stopped (already sent) would then
        // end the batch's route before its commit
        if (oldExchange == null) {
            neutral(newExchange);
            return newExchange;
        }
        return oldExchange;
    }

    private static void neutral(Exchange result) {
        result.setException(null);
        result.setRouteStop(false);
        result.setRollbackOnly(false);
        result.setRollbackOnlyLast(false);
        result.getExchangeExtension().setErrorHandlerHandled(null);
    }

    public static boolean finished(Exchange record) {
        return Boolean.TRUE.equals(record.getProperty(ExchangeProperties.DELIVERY_FINISHED, Boolean.class));
    }
}
