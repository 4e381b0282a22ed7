package com.example.notify.stage;

import com.example.notify.contract.ExchangeProperties;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
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
        // one group per (partition, key), in offset order (the batch lists each partition's records in order)
        Map<List<Object>, List<Exchange>> groups = new LinkedHashMap<>();
        for (Exchange record : batch) {
            groups.computeIfAbsent(groupOf(record), g -> new ArrayList<>()).add(record);
        }
        // the batch waits for its longest lane: largest groups first, each to the lane with the fewest records
        // (a hash of the key would leave lanes empty and others long: 250 keys x 2 records gave a longest lane of
        // 40 for an even share of 16)
        List<List<Exchange>> sorted = new ArrayList<>(groups.values());
        sorted.sort(Comparator.comparingInt((List<Exchange> g) -> g.size()).reversed());
        int count = Math.min(lanes, sorted.size());
        List<List<List<Exchange>>> laneGroups = new ArrayList<>(count);
        int[] load = new int[count];
        PriorityQueue<Integer> leastLoaded = new PriorityQueue<>(Comparator.comparingInt((Integer l) -> load[l])
                .thenComparingInt(l -> l));
        for (int l = 0; l < count; l++) {
            laneGroups.add(new ArrayList<>());
            leastLoaded.add(l);
        }
        for (List<Exchange> group : sorted) {
            int lane = leastLoaded.poll();
            laneGroups.get(lane).add(group);
            load[lane] += group.size();
            leastLoaded.add(lane);
        }
        // the first record of each partition is its head (where the committed offset is); a lane starts with the
        // groups holding a head, so some lane's first record is a head: ChannelBreakers probes a paused provider
        // with a head only, and the partition moves on past a failed probe
        Set<Object> partitions = new HashSet<>();
        for (Exchange record : batch) {
            if (partitions.add(record.getMessage().getHeader(KafkaConstants.PARTITION))) {
                record.setProperty(ExchangeProperties.PARTITION_HEAD, Boolean.TRUE);
            }
        }
        List<List<Exchange>> plan = new ArrayList<>(count);
        for (List<List<Exchange>> groupsOfLane : laneGroups) {
            List<Exchange> lane = new ArrayList<>();
            groupsOfLane.stream().filter(DeliveryLanes::holdsHead).forEach(lane::addAll);
            groupsOfLane.stream().filter(g -> !holdsHead(g)).forEach(lane::addAll);
            // each record knows the one before it in its lane: a lane goes on only past finished records
            for (int i = 1; i < lane.size(); i++) {
                lane.get(i).setProperty(ExchangeProperties.LANE_PREVIOUS, lane.get(i - 1));
            }
            plan.add(lane);
        }
        return plan;
    }

    private static boolean holdsHead(List<Exchange> group) {
        return isPartitionHead(group.get(0));
    }

    /** True for the record a partition of the batch starts with. */
    public static boolean isPartitionHead(Exchange record) {
        return Boolean.TRUE.equals(record.getProperty(ExchangeProperties.PARTITION_HEAD, Boolean.class));
    }

    /** Records that must keep their order: one key on one partition; a record without a key stands alone. */
    private static List<Object> groupOf(Exchange record) {
        var message = record.getMessage();
        Object key = message.getHeader(KafkaConstants.KEY);
        Object partition = message.getHeader(KafkaConstants.PARTITION);
        return key != null ? Arrays.asList(partition, key) : Arrays.asList(partition, null, message.getHeader(KafkaConstants.OFFSET));
    }


}
