package com.example.notify.stage;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * Commits a channel stage's batch once its lanes are done: per partition, up to (not including) the lowest
 * record that did not reach a terminal state. Runs on the consumer's poll thread, after the parallel lanes
 * joined, so the Kafka consumer is never used from two threads. When a record is unfinished the batch fails
 * after the commit: the consumer (breakOnFirstError) reconnects and reads again from the committed offsets,
 * i.e. from that record; records after it that were finished come back too and are skipped by the channel's
 * (event, channel) idempotency.
 */
public class DeliveryCommits {

    public void commit(List<Exchange> batch) {
        Map<Integer, List<Exchange>> byPartition = batch.stream().collect(Collectors.groupingBy(
                r -> r.getMessage().getHeader(KafkaConstants.PARTITION, Integer.class), TreeMap::new, Collectors.toList()));
        int unfinished = 0;
        for (List<Exchange> records : byPartition.values()) {
            records.sort(Comparator.comparingLong(r -> r.getMessage().getHeader(KafkaConstants.OFFSET, Long.class)));
            Exchange lastDone = null;
            for (Exchange record : records) {
                if (!DeliveryOutcomes.finished(record)) {
                    break;
                }
                lastDone = record;
            }
            if (lastDone != null) {
                lastDone.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class).commit();
            }
            unfinished += (int) records.stream().filter(r -> !DeliveryOutcomes.finished(r)).count();
        }
        if (unfinished > 0) {
            throw new DeliveryBatchIncompleteException(unfinished, batch.size());
        }
    }

    /** Some records of a batch did not reach a terminal state: they are read again from the committed offset. */
    public static class DeliveryBatchIncompleteException extends RuntimeException {
        public DeliveryBatchIncompleteException(int unfinished, int size) {
            super(unfinished + " of " + size + " delivery records not finished; reading again from the lowest of them");
        }
    }
}
