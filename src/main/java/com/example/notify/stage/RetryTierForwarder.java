package com.example.notify.stage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts delivery records waiting on the retry tier topics back on their channel's topic when they are due.
 *
 * <p>Our own consumer loop rather than a Camel route, because waiting is the whole job: a tier's records are
 * due in the order they were written, so when a partition's head is not due the partition is paused (the
 * consumer keeps polling, no rebalance, no thread asleep past {@code max.poll.interval.ms}) and resumed, at
 * that record, when it is. camel-kafka 4.17 cannot do that safely: its suspend pauses every partition, resumes
 * by seeking to committed offsets (a partition never committed is not sought, and its fetched records are
 * skipped), and its {@code delay} EIP blocks the poll thread.
 *
 * <p>At least once: a record's offset is committed only after the forwarded copy was acknowledged
 * ({@code acks=all}); a crash forwards it again, and the channel's (event, channel) idempotency keeps a second
 * copy from being delivered twice.
 */
public class RetryTierForwarder {

    private static final Logger LOG = LoggerFactory.getLogger(RetryTierForwarder.class);

    private Properties clientConfig = new Properties();
    private RetryTiers tiers;
    private String groupId;
    private String deadLetterTopic;
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;
    /** Paused partitions: the offset of their head record and when it is due. */
    private final Map<TopicPartition, long[]> waiting = new HashMap<>();
    /**
     * Due time of the oldest record not yet forwarded, per partition held (read by the metrics thread, hence
     * concurrent). Kept across a restart after a failure, so a head that cannot be forwarded stays visible as
     * overdue instead of vanishing with each new consumer.
     */
    private final Map<TopicPartition, Long> heads = new ConcurrentHashMap<>();

    public void setClientConfig(Properties clientConfig) {
        this.clientConfig = clientConfig;
    }

    public void setTiers(RetryTiers tiers) {
        this.tiers = tiers;
    }

    public void setGroupId(String groupId) {
        this.groupId = groupId;
    }

    /** Where a waiting record without a target goes (it cannot be put back anywhere). */
    public void setDeadLetterTopic(String deadLetterTopic) {
        this.deadLetterTopic = deadLetterTopic;
    }

    public synchronized void start() {
        running = true;
        thread = new Thread(this::run, "retry-tier-forwarder");
        thread.setDaemon(true);
        thread.start();
    }

    public synchronized void stop() throws InterruptedException {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(Duration.ofSeconds(30).toMillis());
        }
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerConfig());
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig())) {
                consumer = c;
                waiting.clear();
                c.subscribe(tiers.topics(), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        // nothing forwarded is left uncommitted (commits follow each poll); the next owner
                        // starts at the committed offset, i.e. at the head this replica was waiting for
                        partitions.forEach(waiting::remove);
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        LOG.info("Retry tier forwarder assigned {}", partitions);
                        // the full assignment (eager protocol, the default assignors): heads of partitions now
                        // held by another replica are that replica's to report
                        heads.keySet().retainAll(partitions);
                    }
                });
                while (running) {
                    forwardDue(c, producer);
                }
            } catch (WakeupException e) {
                // stop() woke the consumer
            } catch (Exception e) {
                // broker unreachable, a forward not acknowledged, …: start over from the committed offsets
                LOG.warn("Retry tier forwarder restarts after {}: {}", e.getClass().getSimpleName(), e.getMessage());
                sleep(2_000);
            } finally {
                consumer = null;
            }
        }
    }

    private void forwardDue(KafkaConsumer<byte[], byte[]> c, KafkaProducer<byte[], byte[]> producer) throws Exception {
        long now = System.currentTimeMillis();
        long nextDue = Long.MAX_VALUE;
        for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (entry.getValue()[1] <= now) {
                c.seek(entry.getKey(), entry.getValue()[0]);
                c.resume(List.of(entry.getKey()));
                it.remove();
            } else {
                nextDue = Math.min(nextDue, entry.getValue()[1]);
            }
        }
        ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(Math.max(1, Math.min(500, nextDue - now))));
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        List<Future<?>> sends = new ArrayList<>();
        for (TopicPartition tp : records.partitions()) {
            for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                long due = RetryTiers.longHeader(header(record, RetryTiers.DUE), 0);
                if (due > 0) {
                    // the first record read since the partition's last commit is its head (a re-read after a
                    // seek or a restart finds the same record)
                    heads.putIfAbsent(tp, due);
                }
                if (due > System.currentTimeMillis()) {
                    // the head of this tier partition is not due: nothing behind it is (same delay, written later)
                    c.pause(List.of(tp));
                    waiting.put(tp, new long[] {record.offset(), due});
                    break;
                }
                sends.add(producer.send(forwarded(record)));
                done.put(tp, new OffsetAndMetadata(record.offset() + 1));
            }
        }
        for (Future<?> send : sends) {
            send.get();
        }
        if (!done.isEmpty()) {
            c.commitSync(done);
            for (TopicPartition tp : done.keySet()) {
                long[] head = waiting.get(tp);
                if (head != null) {
                    heads.put(tp, head[1]);
                } else {
                    heads.remove(tp);
                }
            }
        }
    }

    /**
     * Due time (epoch ms) of the oldest record not yet forwarded, per tier topic, among the partitions this
     * forwarder holds; a topic is absent when none of its partitions has a record read and not forwarded. For
     * the overdue gauge: in normal operation a head goes out within a poll of its due time.
     */
    public Map<String, Long> oldestDueByTopic() {
        Map<String, Long> oldest = new HashMap<>();
        heads.forEach((tp, due) -> oldest.merge(tp.topic(), due, Math::min));
        return oldest;
    }

    private ProducerRecord<byte[], byte[]> forwarded(ConsumerRecord<byte[], byte[]> record) {
        String target = header(record, RetryTiers.TARGET);
        long holdUntil = RetryTiers.longHeader(header(record, RetryTiers.HOLD_UNTIL), 0);
        if (target != null && holdUntil > System.currentTimeMillis()) {
            // a long hold (scheduled send) not over yet: on to the next tier, not to the channel
            RetryTiers.Hop hop = tiers.hop(holdUntil);
            ProducerRecord<byte[], byte[]> again = new ProducerRecord<>(hop.topic(), record.key(), record.value());
            for (Header h : record.headers()) {
                if (!RetryTiers.DUE.equals(h.key())) {
                    again.headers().add(h);
                }
            }
            again.headers().add(RetryTiers.DUE, String.valueOf(hop.due()).getBytes(StandardCharsets.UTF_8));
            return again;
        }
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(target != null ? target : deadLetterTopic, record.key(), record.value());
        for (Header h : record.headers()) {
            if (!RetryTiers.DUE.equals(h.key()) && !RetryTiers.HOLD_UNTIL.equals(h.key())) {
                out.headers().add(h);
            }
        }
        if (target == null) {
            out.headers().add("notify-dlq-reason", "retry-target-missing".getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private Properties consumerConfig() {
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        // a tier topic created after the start (first use on a broker that creates topics, or by an operator)
        // is picked up within seconds, not after the default five minutes
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000");
        return p;
    }

    private Properties producerConfig() {
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
