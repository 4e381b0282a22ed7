package com.example.notify.idempotency;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shared, durable idempotency store on a compacted Kafka topic (record key = idempotency key, tombstone =
 * removed), with a bounded local view every replica keeps current by reading the topic.
 *
 * <p>Why not Camel's {@code KafkaIdempotentRepository}: it waits for the broker's acknowledgement of every key
 * (one round trip per key on the consumer thread, ~2k keys/s here, fewer against a remote cluster) and its
 * stop closes a consumer its own sync thread is polling. Here a key is sent without waiting: the routes store
 * keys only once an event reached its terminal state, so a key lost in a crash costs at most a repeat of what
 * was in flight, never an event. Start-up reads the topic up to the end offsets it saw when it began, so a
 * replica reports warm only with every key written before it started.
 */
@ManagedResource(description = "Kafka topic idempotent repository")
public class KafkaTopicIdempotentRepository extends ServiceSupport implements IdempotentRepository {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopicIdempotentRepository.class);
    private static final String ADDED = "1";

    private String topic;
    private Properties clientConfig = new Properties();
    private long maxCacheSize = 1_000_000;
    private Duration warmUpTimeout = Duration.ofMinutes(2);

    private Cache<String, Boolean> keys;
    private KafkaProducer<String, String> producer;
    private KafkaConsumer<String, String> consumer;
    private Thread follower;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong sendFailures = new AtomicLong();
    private volatile boolean warm;

    @Override
    protected void doStart() throws Exception {
        keys = Caffeine.newBuilder().maximumSize(maxCacheSize).build();
        Map<String, Object> producerConfig = new HashMap<>();
        clientConfig.forEach((k, v) -> producerConfig.put(String.valueOf(k), v));
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producer = new KafkaProducer<>(producerConfig);
        Map<String, Object> consumerConfig = new HashMap<>();
        clientConfig.forEach((k, v) -> consumerConfig.put(String.valueOf(k), v));
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumer = new KafkaConsumer<>(consumerConfig);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, warmUpTimeout).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, warmUpTimeout);
        long deadline = System.nanoTime() + warmUpTimeout.toNanos();
        long read = 0;
        while (!caughtUp(end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("idempotency topic " + topic + " not read to its end within " + warmUpTimeout);
            }
            read += apply(consumer.poll(Duration.ofMillis(200)));
        }
        warm = true;
        LOG.info("Idempotency store warm: {} records read from {} ({} keys held)", read, topic, keys.estimatedSize());
        running.set(true);
        // keys other replicas store after start-up
        follower = new Thread(this::follow, "idempotency-follower-" + topic);
        follower.setDaemon(true);
        follower.start();
    }

    private boolean caughtUp(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private int apply(Iterable<ConsumerRecord<String, String>> records) {
        int n = 0;
        for (ConsumerRecord<String, String> record : records) {
            if (record.value() == null) {
                keys.invalidate(record.key());
            } else {
                keys.put(record.key(), Boolean.TRUE);
            }
            n++;
        }
        return n;
    }

    private void follow() {
        try {
            while (running.get()) {
                apply(consumer.poll(Duration.ofMillis(500)));
            }
        } catch (WakeupException stopping) {
            // stop() woke us up
        } catch (RuntimeException e) {
            LOG.warn("Idempotency store stopped following {}: {}", topic, e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    protected void doStop() throws Exception {
        running.set(false);
        warm = false;
        if (follower != null) {
            consumer.wakeup();
            follower.join(10_000);
        } else if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
        if (producer != null) {
            // sends not yet acknowledged are flushed here: a graceful stop loses no key
            producer.close(Duration.ofSeconds(30));
        }
    }

    @Override
    public boolean add(String key) {
        // one atomic lookup: two consumers adding the same key cannot both get true
        if (keys.asMap().putIfAbsent(key, Boolean.TRUE) != null) {
            return false;
        }
        send(key, ADDED);
        return true;
    }

    @Override
    public boolean contains(String key) {
        return keys.getIfPresent(key) != null;
    }

    @Override
    public boolean remove(String key) {
        boolean present = keys.getIfPresent(key) != null;
        keys.invalidate(key);
        send(key, null);
        return present;
    }

    @Override
    public boolean confirm(String key) {
        return true;
    }

    @Override
    public void clear() {
        keys.invalidateAll();
    }

    private void send(String key, String value) {
        producer.send(new ProducerRecord<>(topic, key, value), (metadata, failure) -> {
            if (failure != null) {
                sendFailures.incrementAndGet();
                LOG.warn("Idempotency key not stored on {} (a repeat of this event would go out again): {}", topic, failure.toString());
            }
        });
    }

    /** True once the topic was read to the end it had at start-up (readiness checks this). */
    public boolean isWarm() {
        return warm;
    }

    @ManagedAttribute(description = "Keys held locally")
    public long getSize() {
        if (keys == null) {
            return 0;
        }
        keys.cleanUp();
        return keys.estimatedSize();
    }

    @ManagedAttribute(description = "Key writes the broker did not acknowledge")
    public long getSendFailures() {
        return sendFailures.get();
    }

    public void setTopic(String topic) {
        this.topic = topic;
    }

    /** Brokers and security, as {@link com.example.notify.kafka.KafkaClientProperties} builds them. */
    public void setClientConfig(Properties clientConfig) {
        this.clientConfig = clientConfig;
    }

    public void setMaxCacheSize(long maxCacheSize) {
        this.maxCacheSize = maxCacheSize;
    }

    public void setWarmUpTimeoutSeconds(long seconds) {
        this.warmUpTimeout = Duration.ofSeconds(seconds);
    }
}
