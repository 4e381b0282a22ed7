package com.example.notify.bench;

import com.example.notify.idempotency.KafkaTopicIdempotentRepository;
import com.example.notify.kafka.EmbeddedKafkaBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.processor.idempotent.kafka.KafkaIdempotentRepository;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceHelper;

/**
 * The idempotency stores alone, outside the bundle: keys/s through what the idempotent consumer does per
 * event (contains, then add and confirm once processed), from 4 threads as the bundle's 4 consumers, against
 * the same broker, until every key is on the topic (ours flushes at stop). Explains P3, where both stores sit
 * behind the same CPU-bound route.
 */
final class StoreBench {

    private StoreBench() {
    }

    /** Keys per second through the bundle's store ({@code ours = true}) or Camel's KafkaIdempotentRepository. */
    static double keysPerSecond(EmbeddedKafkaBroker broker, boolean ours, int keys) throws Exception {
        String topic = "bench.store-" + UUID.randomUUID().toString().substring(0, 8);
        broker.createTopics(List.of(topic), Set.of(topic), 1);
        IdempotentRepository store;
        DefaultCamelContext context = new DefaultCamelContext();
        if (ours) {
            KafkaTopicIdempotentRepository repository = new KafkaTopicIdempotentRepository();
            Properties client = new Properties();
            client.putAll(broker.clientConfig());
            repository.setClientConfig(client);
            repository.setTopic(topic);
            store = repository;
        } else {
            KafkaIdempotentRepository repository = new KafkaIdempotentRepository(topic, broker.bootstrapServers());
            repository.setCamelContext(context);
            store = repository;
        }
        context.start();
        ServiceHelper.startService(store);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                workers.add(threads.submit(() -> {
                    for (int i = first; i < keys; i += 4) {
                        String key = "/bench|" + topic + "-" + i;
                        if (!store.contains(key)) {
                            store.add(key);
                            store.confirm(key);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
            if (ours) {
                // ours sends keys without waiting: its stop flushes them, and counts (Camel's add waited for each)
                ServiceHelper.stopService(store);
            }
            return keys / ((System.nanoTime() - start) / 1e9);
        } finally {
            threads.shutdown();
            try {
                ServiceHelper.stopService(store);
            } catch (java.util.ConcurrentModificationException camelsStop) {
                // Camel's store closes the consumer its own thread still polls (seen at every bundle shutdown too)
            }
            context.stop();
        }
    }
}
