package com.example.notify.stage;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.Contact;
import com.example.notify.event.NotificationEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The delivery record between the ingest stage and a channel stage: the event exactly as it was read (value
 * and headers, so dead letters and replays carry the original) plus headers for what ingest learned on the
 * way: the channel and, when the recipient was looked up, the contact record (opt-outs and fields, so a
 * channel never looks it up again).
 */
public class DeliveryRecords {

    public static final String CHANNEL = "notify-channel";
    public static final String CONTACT = "notify-contact";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The contact ingest found for the event, as a header value; null when the address was inline. */
    public String contactHeader(NotificationEvent event) throws JsonProcessingException {
        Contact contact = event.getContact();
        return contact == null ? null : contact.toJsonText();
    }

    /** The event of a delivery record with the contact ingest found, as ingest had it. */
    public NotificationEvent withContact(NotificationEvent event, String contactHeader) throws JsonProcessingException {
        if (contactHeader == null || contactHeader.isEmpty()) {
            return event;
        }
        return event.withContact(Contact.fromJson(MAPPER.readTree(contactHeader), event.getRecipient().getContactId()));
    }

    /** When a batch that starts now stops starting records, {@code budgetMs} from now (epoch ms). */
    public long batchDeadline(long budgetMs) {
        return System.currentTimeMillis() + budgetMs;
    }

    /**
     * Makes a lane's exchange the delivery record it works on (the split hands over the consumer's exchange of
     * the record as the body): its value and headers, and a reference for {@link DeliveryOutcomes}.
     */
    public void open(Exchange lane) {
        Long deadline = lane.getProperty(ExchangeProperties.BATCH_DEADLINE, Long.class);
        if (deadline != null && System.currentTimeMillis() > deadline) {
            // the lane left the rest of its records unfinished: they are read again after this batch's commit,
            // before the consumer's max.poll.interval.ms runs out and its partitions move to another replica
            throw new LaneOutOfTimeException();
        }
        Exchange record = lane.getMessage().getBody(Exchange.class);
        Exchange previous = record.getProperty(ExchangeProperties.LANE_PREVIOUS, Exchange.class);
        if (previous != null && !DeliveryOutcomes.finished(previous)) {
            // the recipient's earlier record is not terminal: this one waits for it (order), and is read again
            throw new LaneStoppedException();
        }
        Message from = record.getMessage();
        Message to = lane.getMessage();
        to.setHeaders(new HashMap<>(from.getHeaders()));
        to.setBody(from.getBody());
        lane.setProperty(ExchangeProperties.DELIVERY_RECORD, record);
    }

    /** A lane ran out of its batch's time budget; its remaining records stay unfinished. */
    public static class LaneOutOfTimeException extends RuntimeException {
        public LaneOutOfTimeException() {
            super("the batch's time budget is spent; the lane's remaining records are read again", null, false, false);
        }
    }

    /** An earlier record of the lane is unfinished; this one is left unfinished too, to keep the order. */
    public static class LaneStoppedException extends RuntimeException {
        public LaneStoppedException() {
            super("an earlier record of the recipient is not finished; read again after it", null, false, false);
        }
    }
}
