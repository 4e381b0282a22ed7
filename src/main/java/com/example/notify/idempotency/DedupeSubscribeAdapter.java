package com.example.notify.idempotency;

import com.example.notify.kafka.PartitionAssignmentListener;
import java.util.Collection;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.component.kafka.consumer.support.subcription.DefaultSubscribeAdapter;
import org.apache.camel.component.kafka.consumer.support.subcription.SubscribeAdapter;
import org.apache.camel.component.kafka.consumer.support.subcription.TopicInfo;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;

/**
 * Tells the dedupe store about partition assignment and revocation. camel-kafka 4.17 looks a {@link SubscribeAdapter}
 * up in the registry under the name {@code subscribeAdapter} for every Kafka consumer it starts
 * ({@code KafkaFetchRecords.resolveSubscribeAdapter}), so this bean reaches every consumer without a route option.
 *
 * <p>Assigned: the store restores the partitions of deduplicated topics before Camel's own listener runs, on the
 * consumer's thread, so no record of a partition is processed before its keys are back. Revoked or lost: Camel's
 * listener first (it commits what was processed), then the store closes the partitions (files kept). When the
 * selected repository is not a {@link PartitionedDedupeStore} (memoryIdempotency in dev) this only subscribes.
 *
 * <p>It also tells every {@link PartitionAssignmentListener} in the registry (the channel shares of the
 * cluster-wide limits), after the store on assignment and before it on revocation.
 */
public class DedupeSubscribeAdapter implements SubscribeAdapter, CamelContextAware {

    private CamelContext camelContext;
    private String idempotentRepository;

    @Override
    public void subscribe(Consumer<?, ?> consumer, ConsumerRebalanceListener camelListener, TopicInfo topicInfo) {
        ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                PartitionedDedupeStore store = store();
                if (store != null) {
                    store.assigned(partitions);
                }
                camelListener.onPartitionsAssigned(partitions);
                Set<String> subscribed = consumer.subscription();
                listeners().forEach(l -> l.assigned(partitions, subscribed, topic -> partitionCount(consumer, topic)));
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                listeners().forEach(l -> l.revoked(partitions));
                camelListener.onPartitionsRevoked(partitions);
                PartitionedDedupeStore store = store();
                if (store != null) {
                    store.revoked(partitions);
                }
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                listeners().forEach(l -> l.revoked(partitions));
                camelListener.onPartitionsLost(partitions);
                PartitionedDedupeStore store = store();
                if (store != null) {
                    store.revoked(partitions);
                }
            }
        };
        new DefaultSubscribeAdapter().subscribe(consumer, listener, topicInfo);
    }

    private Set<PartitionAssignmentListener> listeners() {
        return camelContext == null ? Set.of() : camelContext.getRegistry().findByType(PartitionAssignmentListener.class);
    }

    private static int partitionCount(Consumer<?, ?> consumer, String topic) {
        try {
            var partitions = consumer.partitionsFor(topic);
            return partitions == null ? 0 : partitions.size();
        } catch (RuntimeException e) {
            // metadata not at hand: the share stays as it was computed last (never above the whole limit)
            return 0;
        }
    }

    private PartitionedDedupeStore store() {
        if (camelContext == null || idempotentRepository == null) {
            return null;
        }
        IdempotentRepository repository = camelContext.getRegistry().lookupByNameAndType(idempotentRepository, IdempotentRepository.class);
        return repository instanceof PartitionedDedupeStore store ? store : null;
    }

    /** Bean name of the selected idempotency repository (notify.idempotency.repository). */
    public void setIdempotentRepository(String idempotentRepository) {
        this.idempotentRepository = idempotentRepository;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
