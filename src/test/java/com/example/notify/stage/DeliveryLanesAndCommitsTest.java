package com.example.notify.stage;

import com.example.notify.contract.ExchangeProperties;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** Lanes keep one key's records together and in order; commits stop below the lowest unfinished record. */
class DeliveryLanesAndCommitsTest {

    final CamelContext context = new DefaultCamelContext();

    private Exchange record(int partition, long offset, String key) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getMessage().setHeader(KafkaConstants.PARTITION, partition);
        exchange.getMessage().setHeader(KafkaConstants.OFFSET, offset);
        exchange.getMessage().setHeader(KafkaConstants.TOPIC, "deliver");
        exchange.getMessage().setHeader(KafkaConstants.KEY, key);
        return exchange;
    }

    @Test
    void recordsOfOneKeyShareALaneInOffsetOrderAndLanesAreBounded() {
        List<Exchange> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            batch.add(record(i % 2, i / 2, "k" + (i % 23)));
        }
        List<List<Exchange>> lanes = DeliveryLanes.plan(batch, 8);
        assertThat(lanes).hasSize(8);
        assertThat(lanes.stream().mapToInt(List::size).sum()).isEqualTo(200);
        // 46 (partition, key) groups of 4-5 records over 8 lanes: balanced to within one group
        assertThat(lanes.stream().mapToInt(List::size).max().getAsInt()).isLessThanOrEqualTo(200 / 8 + 5);
        for (List<Exchange> lane : lanes) {
            Map<String, Long> lastOffset = new HashMap<>();
            for (Exchange r : lane) {
                String key = r.getMessage().getHeader(KafkaConstants.PARTITION) + "/" + r.getMessage().getHeader(KafkaConstants.KEY);
                long offset = r.getMessage().getHeader(KafkaConstants.OFFSET, Long.class);
                assertThat(offset).as("offset order within " + key).isGreaterThan(lastOffset.getOrDefault(key, -1L));
                lastOffset.put(key, offset);
            }
        }
        // each record but a lane's first points at the record before it in the lane
        for (List<Exchange> lane : lanes) {
            assertThat(lane.get(0).getProperty(ExchangeProperties.LANE_PREVIOUS)).isNull();
            for (int i = 1; i < lane.size(); i++) {
                assertThat(lane.get(i).getProperty(ExchangeProperties.LANE_PREVIOUS)).isSameAs(lane.get(i - 1));
            }
        }
        // each (partition, key) in exactly one lane
        Map<String, Integer> laneOf = new HashMap<>();
        for (int l = 0; l < lanes.size(); l++) {
            for (Exchange r : lanes.get(l)) {
                String key = r.getMessage().getHeader(KafkaConstants.PARTITION) + "/" + r.getMessage().getHeader(KafkaConstants.KEY);
                assertThat(laneOf.putIfAbsent(key, l)).as(key).isIn(null, l);
            }
        }
    }

    @Test
    void eachPartitionsFirstRecordIsMarkedAndStartsItsLane() {
        // 3 partitions, many keys with more records than the heads' keys: the heads' groups are the smallest,
        // placed last by size, and still come first in their lanes
        List<Exchange> batch = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            batch.add(record(p, 100, "head" + p));
            for (int i = 1; i <= 60; i++) {
                batch.add(record(p, 100 + i, "k" + (i % 10)));
            }
        }
        List<List<Exchange>> lanes = DeliveryLanes.plan(batch, 4);
        List<Exchange> heads = batch.stream().filter(DeliveryLanes::isPartitionHead).toList();
        assertThat(heads).extracting(r -> r.getMessage().getHeader(KafkaConstants.OFFSET)).containsOnly(100L);
        assertThat(heads).hasSize(3);
        for (Exchange head : heads) {
            List<Exchange> lane = lanes.stream().filter(l -> l.contains(head)).findFirst().orElseThrow();
            int at = lane.indexOf(head);
            assertThat(lane.subList(0, at)).as("only heads before a head in its lane").allMatch(DeliveryLanes::isPartitionHead);
        }
        assertThat(lanes.stream().map(l -> l.get(0))).as("some lane starts with a head").anyMatch(DeliveryLanes::isPartitionHead);
    }

    private static Map<Integer, Long> byPartition(List<Exchange> batch) {
        Map<Integer, Long> out = new HashMap<>();
        DeliveryCommits.offsets(batch).forEach((tp, o) -> out.put(tp.partition(), o.offset()));
        return out;
    }

    @Test
    void aBatchWithEverythingFinishedCommitsEachPartitionToItsEnd() {
        List<Exchange> batch = List.of(record(0, 10, "a"), record(1, 5, "b"), record(0, 11, "c"), record(1, 6, "d"));
        batch.forEach(r -> r.setProperty(ExchangeProperties.DELIVERY_FINISHED, true));
        assertThat(byPartition(batch)).isEqualTo(Map.of(0, 12L, 1, 7L));
    }

    @Test
    void anUnfinishedRecordHoldsItsPartitionsCommitAtItEvenWhenItIsThePartitionsFirst() {
        List<Exchange> batch = List.of(record(0, 10, "a"), record(0, 11, "b"), record(0, 12, "c"), record(1, 5, "d"), record(2, 0, "e"),
                record(2, 1, "f"));
        for (Exchange r : batch) {
            long offset = r.getMessage().getHeader(KafkaConstants.OFFSET, Long.class);
            int partition = r.getMessage().getHeader(KafkaConstants.PARTITION, Integer.class);
            if (!(partition == 0 && offset == 11) && !(partition == 2 && offset == 0)) {
                r.setProperty(ExchangeProperties.DELIVERY_FINISHED, true);
            }
        }
        // partition 0: 10 done, 11 not, 12 done -> read again from 11; partition 1 done; partition 2: its very first
        // record unfinished -> committed at 0, so a resumed consumer seeks back to it instead of skipping it
        assertThat(byPartition(batch)).isEqualTo(Map.of(0, 11L, 1, 6L, 2, 0L));
    }

    @Test
    void outcomesMarkOnlyRecordsThatCameBackWithoutAnException() {
        Exchange done = record(0, 1, "a");
        Exchange failed = record(0, 2, "b");
        Exchange laneDone = new DefaultExchange(context);
        laneDone.setProperty(ExchangeProperties.DELIVERY_RECORD, done);
        Exchange laneFailed = new DefaultExchange(context);
        laneFailed.setProperty(ExchangeProperties.DELIVERY_RECORD, failed);
        laneFailed.setException(new IllegalStateException("dead letter not published"));
        DeliveryOutcomes records = new DeliveryOutcomes();
        Exchange result = records.aggregate(null, laneDone);
        records.aggregate(result, laneFailed);
        assertThat(DeliveryOutcomes.finished(done)).isTrue();
        assertThat(DeliveryOutcomes.finished(failed)).isFalse();
        assertThat(laneFailed.getException()).as("a record's failure ends its lane").isNotNull();
        new DeliveryOutcomes(true).aggregate(null, laneFailed);
        assertThat(laneFailed.getException()).as("but not the other lanes or the batch").isNull();
        // a lane's exchange carries its first record's properties: the lane level must never mark it
        Exchange neverRan = record(0, 3, "c");
        Exchange laneWithoutException = new DefaultExchange(context);
        laneWithoutException.setProperty(ExchangeProperties.DELIVERY_RECORD, neverRan);
        new DeliveryOutcomes(true).aggregate(null, laneWithoutException);
        assertThat(DeliveryOutcomes.finished(neverRan)).isFalse();
    }
}
