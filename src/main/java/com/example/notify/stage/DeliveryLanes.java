package com.example.notify.stage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * Splits a batch of delivery records into at most {@code lanes} lanes that a channel stage works through in
 * parallel. Records with the same key (the recipient) on the same partition always share a lane and keep
 * their offset order in it: per-recipient order holds, different recipients go out side by side, and the
 * number of deliveries in flight is the lane count, whatever the topic's partition count.
 */
public final class DeliveryLanes {

    private DeliveryLanes() {
    }

    public static List<List<Exchange>> plan(List<Exchange> batch, int lanes) {
        if (lanes < 1) {
            throw new IllegalArgumentException("a channel stage needs at least one lane, got " + lanes);
        }
        // lanes by (partition, key) hash, in first-seen order so a small batch does not leave threads idle
        // behind empty lanes; the batch lists each partition's records in offset order, and so does each lane
        Map<Integer, List<Exchange>> byLane = new LinkedHashMap<>();
        for (Exchange record : batch) {
            int lane = Math.floorMod(laneKey(record), lanes);
            byLane.computeIfAbsent(lane, l -> new ArrayList<>()).add(record);
        }
        return new ArrayList<>(byLane.values());
    }

    private static int laneKey(Exchange record) {
        var message = record.getMessage();
        Object key = message.getHeader(KafkaConstants.KEY);
        Object partition = message.getHeader(KafkaConstants.PARTITION);
        // a record without a key has no order to keep with others: spread it by offset
        Object spread = key != null ? key : message.getHeader(KafkaConstants.OFFSET);
        return Objects.hash(partition, spread) * 0x9E3779B9;
    }
}
