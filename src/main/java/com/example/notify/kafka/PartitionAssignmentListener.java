package com.example.notify.kafka;

import java.util.Collection;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * Told of every partition assignment and revocation of every Kafka consumer the bundle runs. The subscribe
 * adapter (the one hook camel-kafka 4.17 gives into the rebalance) calls each bean of this type in the registry,
 * so a bean that needs to know which partitions this replica owns registers itself by being declared.
 */
public interface PartitionAssignmentListener {

    /**
     * Partitions assigned to one consumer of this replica.
     *
     * @param subscribed  the topics that consumer is subscribed to (an assignment may be empty)
     * @param partitionCount the number of partitions of a topic, as the consumer's metadata has it
     */
    void assigned(Collection<TopicPartition> partitions, Set<String> subscribed, ToIntFunction<String> partitionCount);

    /** Partitions revoked from (or lost by) one consumer of this replica. */
    void revoked(Collection<TopicPartition> partitions);
}
