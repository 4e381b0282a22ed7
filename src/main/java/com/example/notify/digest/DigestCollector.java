package com.example.notify.digest;

import com.example.notify.preferences.RecipientKeys;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
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
 * Collects the items on the digest topic (keyed by recipient and type) into windows and, when a window closes,
 * publishes ONE delivery record for it to the email channel's topic: the first item's record (the event as
 * ingest staged it, its contact) with the digest's id and all items, in order of arrival, in headers.
 *
 * <p>The window state is the topic itself: a partition's offset is committed only up to its oldest item whose
 * window is still open, so a restart, a rebalance or a kill -9 reads the open windows' items again and rebuilds
 * the same windows (an item joins the window its first item opened if it arrived before that window closes;
 * arrival and close times travel in the items' headers, so the rebuild does not depend on when it runs). A window
 * closed and published but not yet committed is published again after a crash with the same digest id, which
 * the email stage's per-digest idempotency drops. Items of a published window that sit above the committed offset
 * (an older window of another key was still open) are read again after a restart or rebalance and open a window
 * with another id: the email stage drops them per item ({@link DigestDedupe}), each item's delivery key being
 * stored once its digest was delivered.
 *
 * <p>Our own consumer loop, like {@code RetryTierForwarder}: holding offsets back for minutes or hours while the
 * partition keeps flowing is not something camel-kafka's commit managers do.
 */
public class DigestCollector implements MeterBinder {

    private static final Logger LOG = LoggerFactory.getLogger(DigestCollector.class);
    /**
     * A window closes early once its items' headers reach this size: the digest record carries them all and must
     * stay well below the producer's max.request.size (1 MiB) with the first item's value (notify.event.max-bytes).
     */
    static final long MAX_ITEM_BYTES = 512 * 1024;

    private Properties clientConfig = new Properties();
    private String groupId;
    private String topic;
    private String targetTopic;
    private int maxItems = 100;
    private DigestWindows windows;
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;
    /** Open windows per partition, by key, in order of their first item. Only the loop's thread touches it. */
    private final Map<TopicPartition, Map<String, Window>> open = new HashMap<>();
    private final AtomicLong pendingItems = new AtomicLong();
    private final AtomicLong pendingWindows = new AtomicLong();
    private final AtomicLong digestsPublished = new AtomicLong();
    private final AtomicLong itemsPublished = new AtomicLong();

    private static final class Window {
        final long closes;
        final long firstOffset;
        final List<ConsumerRecord<byte[], byte[]>> items = new ArrayList<>();
        /** Bytes of the items' item headers: the digest record carries them all. */
        long itemBytes;

        Window(long closes, long firstOffset) {
            this.closes = closes;
            this.firstOffset = firstOffset;
        }
    }

    public synchronized void start() {
        running = true;
        thread = new Thread(this::run, "digest-collector");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops without publishing open windows: their items stay uncommitted and the next collector rebuilds them. */
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
                clear();
                c.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        // their open windows are rebuilt by the next owner from the committed offsets
                        partitions.forEach(open::remove);
                        recount();
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        // the log masking reads "Digest <word>" as an auth scheme and its credential: no line starts so
                        LOG.info("Collector of digests assigned {}", partitions);
                    }
                });
                while (running) {
                    collect(c, producer);
                }
            } catch (WakeupException e) {
                // stop() woke the consumer
            } catch (Exception e) {
                LOG.warn("Collector of digests restarts after {}: {}", e.getClass().getSimpleName(), e.getMessage());
                sleep(2_000);
            } finally {
                consumer = null;
            }
        }
    }

    private void collect(KafkaConsumer<byte[], byte[]> c, KafkaProducer<byte[], byte[]> producer) throws Exception {
        ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(200));
        List<Future<?>> sends = new ArrayList<>();
        for (TopicPartition tp : records.partitions()) {
            Map<String, Window> windowsOf = open.computeIfAbsent(tp, k -> new LinkedHashMap<>());
            for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
                long arrived = longHeader(record, DigestItems.ARRIVED);
                Window window = windowsOf.get(key);
                if (window != null && arrived >= window.closes) {
                    // arrived after its window closed (the collector was behind or down): the window goes as it was
                    sends.add(publish(producer, tp, key, windowsOf.remove(key)));
                    window = null;
                }
                if (window == null) {
                    window = new Window(longHeader(record, DigestItems.CLOSES), record.offset());
                    windowsOf.put(key, window);
                }
                window.items.add(record);
                Header item = record.headers().lastHeader(DigestItems.ITEM);
                window.itemBytes += item == null || item.value() == null ? 0 : item.value().length;
                if (window.items.size() >= maxItems || window.itemBytes >= MAX_ITEM_BYTES) {
                    sends.add(publish(producer, tp, key, windowsOf.remove(key)));
                }
            }
        }
        long now = windows.now();
        for (var partition : open.entrySet()) {
            for (Iterator<Map.Entry<String, Window>> it = partition.getValue().entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Window> entry = it.next();
                if (entry.getValue().closes <= now) {
                    sends.add(publish(producer, partition.getKey(), entry.getKey(), entry.getValue()));
                    it.remove();
                }
            }
        }
        for (Future<?> send : sends) {
            send.get();
        }
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition tp : c.assignment()) {
            Map<String, Window> windowsOf = open.getOrDefault(tp, Map.of());
            long upTo = windowsOf.isEmpty() ? c.position(tp)
                    : windowsOf.values().stream().mapToLong(w -> w.firstOffset).min().orElseThrow();
            commits.put(tp, new OffsetAndMetadata(upTo));
        }
        if (!sends.isEmpty() || !records.isEmpty()) {
            c.commitSync(commits);
        }
        recount();
    }

    private Future<?> publish(KafkaProducer<byte[], byte[]> producer, TopicPartition tp, String key, Window window) throws Exception {
        ConsumerRecord<byte[], byte[]> first = window.items.get(0);
        // keyed like every email delivery record, by recipient: the digest meets the other deliveries of the
        // recipient on one partition (order, the dedupe store's partition); items written before the header
        // existed keep the digest topic's key (recipient|type)
        Header recordKey = first.headers().lastHeader(DigestItems.RECORD_KEY);
        byte[] digestKey = recordKey != null && recordKey.value() != null && recordKey.value().length > 0 ? recordKey.value() : first.key();
        ProducerRecord<byte[], byte[]> digest = new ProducerRecord<>(targetTopic, digestKey, first.value());
        for (Header h : first.headers()) {
            if (!h.key().startsWith("notify-digest-")) {
                digest.headers().add(h);
            }
        }
        String id = "digest-" + RecipientKeys.sha256Hex(tp + "|" + window.firstOffset + "|" + key).substring(0, 32);
        List<byte[]> items = new ArrayList<>(window.items.size());
        for (ConsumerRecord<byte[], byte[]> item : window.items) {
            Header h = item.headers().lastHeader(DigestItems.ITEM);
            if (h != null) {
                items.add(h.value());
            }
        }
        digest.headers().add(DigestItems.ID, id.getBytes(StandardCharsets.UTF_8));
        digest.headers().add(DigestItems.ITEMS, DigestItems.join(items));
        digestsPublished.incrementAndGet();
        itemsPublished.addAndGet(items.size());
        LOG.info("Window of {} items closed, published as {}", items.size(), id);
        return producer.send(digest);
    }

    private void clear() {
        open.clear();
        recount();
    }

    private void recount() {
        pendingWindows.set(open.values().stream().mapToLong(Map::size).sum());
        pendingItems.set(open.values().stream().flatMap(m -> m.values().stream()).mapToLong(w -> w.items.size()).sum());
    }

    /** Items waiting in open windows on this replica (a gauge). */
    public long getPendingItems() {
        return pendingItems.get();
    }

    /** Open windows on this replica (a gauge). */
    public long getPendingWindows() {
        return pendingWindows.get();
    }

    /** Digest records published since start (a counter; a rebuilt window counts again). */
    public long getDigestsPublished() {
        return digestsPublished.get();
    }

    public long getItemsPublished() {
        return itemsPublished.get();
    }

    private static long longHeader(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        try {
            return h == null ? 0 : Long.parseLong(new String(h.value(), StandardCharsets.UTF_8));
        } catch (NumberFormatException e) {
            return 0; // a record without a valid time closes at once rather than never
        }
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

    public void setClientConfig(Properties clientConfig) {
        this.clientConfig = clientConfig;
    }

    public void setGroupId(String groupId) {
        this.groupId = groupId;
    }

    /** The digest topic ({@code notify.kafka.topic.digest}). */
    public void setTopic(String topic) {
        this.topic = topic;
    }

    /** Where digests go: the email channel's delivery topic. */
    public void setTargetTopic(String targetTopic) {
        this.targetTopic = targetTopic;
    }

    /** A window with this many items closes at once (bounds a digest's size and its headers). */
    public void setMaxItems(int maxItems) {
        this.maxItems = maxItems;
    }

    public void setWindows(DigestWindows windows) {
        this.windows = windows;
    }

    /** Its gauges and counters, bound by the metrics setup (routes/observe.camel.yaml, metrics-bind). */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("notify_digest_pending_items", this, DigestCollector::getPendingItems)
                .description("digest items waiting in open windows on this replica").register(registry);
        Gauge.builder("notify_digest_open_windows", this, DigestCollector::getPendingWindows)
                .description("open digest windows (recipient and type) on this replica").register(registry);
        FunctionCounter.builder("notify_digests_published", this, DigestCollector::getDigestsPublished)
                .description("digest records published to the email stage (a window rebuilt after a crash counts again)").register(registry);
        FunctionCounter.builder("notify_digest_items_published", this, DigestCollector::getItemsPublished)
                .description("items in the digest records published").register(registry);
    }
}
