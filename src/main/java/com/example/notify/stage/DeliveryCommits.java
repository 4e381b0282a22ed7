package com.example.notify.stage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a channel stage's batch once its lanes are done: per partition, the offset of the lowest record that
 * did not reach a terminal state (or the end of the batch), all partitions in one {@code commitSync}. Runs on
 * the consumer's poll thread, after the parallel lanes joined, so the Kafka consumer is never used from two
 * threads. Every partition of the batch gets a committed offset, even one whose first record is unfinished.
 * When a record is unfinished the consumer is rewound to the committed offsets and the batch fails: it
 * (breakOnFirstError) reads again from there, or, while the channel is paused ({@link ChannelBreakers}), after
 * it resumes; records after it that were finished come back too and are skipped by the channel's
 * (event, channel) idempotency.
 */
public class DeliveryCommits {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryCommits.class);

    /** Offsets a rebalance kept from being committed, per consumer: committed with that consumer's next batch. */
    private final Map<Consumer<?, ?>, Map<TopicPartition, OffsetAndMetadata>> deferred = new java.util.concurrent.ConcurrentHashMap<>();

    public void commit(List<Exchange> batch) {
        if (batch.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = offsets(batch);
        DefaultKafkaManualCommit any = batch.get(0).getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, DefaultKafkaManualCommit.class);
        Consumer<?, ?> consumer = any.getConsumer();
        Map<TopicPartition, OffsetAndMetadata> toCommit = withDeferred(consumer, offsets);
        try {
            consumer.commitSync(toCommit, Duration.ofMillis(any.getCommitTimeout()));
            deferred.remove(consumer);
        } catch (RebalanceInProgressException | CommitFailedException e) {
            // kept for the next batch of this consumer (partitions it still owns then), so a partition without a
            // later batch is not left to be read again by its next owner
            if (deferred.size() > 64) {
                deferred.clear(); // consumers closed by reconnects: at worst a re-read, skipped by the keys
            }
            deferred.put(consumer, toCommit);
            // the group is rebalancing (another replica joined or left while this batch ran): the commit must wait
            // for the next poll, which takes part in the rebalance. Failing the batch instead made camel-kafka
            // reconnect, i.e. leave and join the group again, which started the next rebalance on every other
            // replica: with three replicas throttled to a third of a limit each, the group rebalanced every few
            // seconds (bench L1). Not committing loses nothing: the records are done, this replica commits past
            // them with its next batch if it keeps the partitions, and a new owner reads them again and skips
            // them by their (event, channel) key.
            LOG.debug("Commit of a delivery batch deferred by a rebalance: {}", e.getClass().getSimpleName());
            if (batch.stream().allMatch(DeliveryOutcomes::finished)) {
                return;
            }
        }
        long unfinished = batch.stream().filter(r -> !DeliveryOutcomes.finished(r)).count();
        if (unfinished > 0) {
            rewind(consumer, offsets);
            throw new DeliveryBatchIncompleteException(unfinished, batch.size());
        }
    }

    /**
     * This batch's offsets with those a rebalance kept from an earlier commit, for the partitions the consumer still
     * owns (the batch's own offsets win: they are later).
     */
    private Map<TopicPartition, OffsetAndMetadata> withDeferred(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, OffsetAndMetadata> earlier = deferred.get(consumer);
        if (earlier == null) {
            return offsets;
        }
        Map<TopicPartition, OffsetAndMetadata> merged = new HashMap<>();
        Set<TopicPartition> owned = new HashSet<>(consumer.assignment());
        owned.retainAll(earlier.keySet());
        owned.removeAll(offsets.keySet());
        if (!owned.isEmpty()) {
            // only forwards: while the partition was away, its other owner may have committed past this
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(owned);
            for (TopicPartition tp : owned) {
                OffsetAndMetadata now = committed.get(tp);
                if (now == null || now.offset() < earlier.get(tp).offset()) {
                    merged.put(tp, earlier.get(tp));
                }
            }
        }
        merged.putAll(offsets);
        return merged;
    }

    /**
     * Puts every assigned partition back where reading must resume: a partition of the batch at the offset just
     * committed, any other at its committed offset, or at its beginning when it has none (the stage consumers
     * start at the earliest record). The failed batch makes camel-kafka drop the rest of its poll; it reconnects
     * (and reads from the committed offsets anyway), except while the channel is paused: then it only pauses,
     * and on resume seeks the partitions that have a committed offset, not the others.
     */
    static void rewind(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> offsets) {
        Set<TopicPartition> others = new HashSet<>(consumer.assignment());
        others.removeAll(offsets.keySet());
        offsets.forEach((tp, offset) -> {
            if (consumer.assignment().contains(tp)) {
                consumer.seek(tp, offset.offset());
            }
        });
        if (others.isEmpty()) {
            return;
        }
        List<TopicPartition> uncommitted = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(others);
        for (TopicPartition tp : others) {
            OffsetAndMetadata offset = committed.get(tp);
            if (offset != null) {
                consumer.seek(tp, offset.offset());
            } else {
                uncommitted.add(tp);
            }
        }
        if (!uncommitted.isEmpty()) {
            consumer.seekToBeginning(uncommitted);
        }
    }

    /** Per partition of the batch: where reading resumes, i.e. its lowest unfinished record, else past its last. */
    static Map<TopicPartition, OffsetAndMetadata> offsets(List<Exchange> batch) {
        Map<TopicPartition, Long> firstUnfinished = new HashMap<>();
        Map<TopicPartition, Long> end = new HashMap<>();
        for (Exchange record : batch) {
            var message = record.getMessage();
            TopicPartition tp = new TopicPartition(message.getHeader(KafkaConstants.TOPIC, String.class),
                    message.getHeader(KafkaConstants.PARTITION, Integer.class));
            long offset = message.getHeader(KafkaConstants.OFFSET, Long.class);
            end.merge(tp, offset + 1, Math::max);
            if (!DeliveryOutcomes.finished(record)) {
                firstUnfinished.merge(tp, offset, Math::min);
            }
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        end.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(firstUnfinished.getOrDefault(tp, next))));
        return offsets;
    }

    /** Some records of a batch did not reach a terminal state: they are read again from the committed offset. */
    public static class DeliveryBatchIncompleteException extends RuntimeException {
        public DeliveryBatchIncompleteException(long unfinished, int size) {
            super(unfinished + " of " + size + " delivery records not finished; reading again from the lowest of them");
        }
    }
}
