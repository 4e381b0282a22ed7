package com.example.notify.idempotency;

import com.example.notify.contract.ExchangeProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.ArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.camel.Exchange;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.TtlDB;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dedupe with a time window, kept on local disk per partition of the deduplicated topic (issue 20).
 *
 * <p>The idea is Kafka Streams' state store: one RocksDB per (topic, partition) under {@code dir}, restored from
 * a changelog topic {@code <topic><changelogSuffix>} with the same partition count (partition p of the changelog
 * holds the keys of partition p of the topic; {@code cleanup.policy=compact,delete}, {@code retention.ms} = the
 * window). Events are keyed by recipient, so an event and its duplicate meet on one partition, hence on one store,
 * and a replica holds and restores only the partitions assigned to it ({@link DedupeSubscribeAdapter} calls
 * {@link #assigned} and {@link #revoked}; without it a partition opens on first use). Keys live in RocksDB, off
 * the heap: heap use does not grow with the number of keys.
 *
 * <p>The value of a key is the time it was first seen ({@link #setClock clock}, epoch ms); {@code contains} is
 * true only while that is less than {@code window} ago. Expired keys are deleted when read, skipped on restore,
 * and dropped by RocksDB's TTL compaction (wall clock, a window after they were written locally), so the disk
 * follows the window too.
 *
 * <p>Writes: {@code add} stores the key locally, writes it to the changelog partition and waits for the broker's
 * acknowledgement before it returns. The routes add keys at the end of an exchange (idempotent consumer, not
 * eager), before the consumer commits the record's offset: a committed offset never has a key only on local disk.
 *
 * <p>Which partition: the exchange's {@code kafka.TOPIC}/{@code kafka.PARTITION} headers, remembered on the exchange
 * with the key at the first call (a route may drop or replace headers before the key is added at its end).
 * <b>Fallback</b>: a key with neither (the single-argument methods, an exchange not from a Kafka consumer, e.g. the
 * dead-letter replay's admin call) goes to a local-only store {@code _local-0}: same window, kept across restarts
 * on the same volume, no changelog, not shared between replicas.
 */
@ManagedResource(description = "Partitioned dedupe store (RocksDB per partition, changelog topic)")
public class PartitionedDedupeStore extends ServiceSupport implements IdempotentRepository {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionedDedupeStore.class);
    /** Where keys without a Kafka partition go: local only, see the class comment. */
    static final TopicPartition LOCAL = new TopicPartition("_local", 0);
    private static final String CHECKPOINT = "checkpoint";
    private static final int STRIPES = 64;

    private Path dir = Path.of("target/dedupe");
    private Duration window = Duration.ofDays(7);
    private Properties clientConfig = new Properties();
    private String changelogSuffix = ".dedupe-changelog";
    private Set<String> topics = Set.of();
    private Clock clock = Clock.systemUTC();
    private Duration sendTimeout = Duration.ofSeconds(30);
    private Duration restoreTimeout = Duration.ofMinutes(10);
    private int restoreThreads = 4;
    private long blockCacheBytes = 64L << 20;
    private long writeBufferBytes = 32L << 20;

    private final Map<TopicPartition, PartitionDb> open = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Object> openLocks = new ConcurrentHashMap<>();
    private final Object[] stripes = new Object[STRIPES];
    private final AtomicInteger restoring = new AtomicInteger();
    private final Set<String> checkedChangelogs = ConcurrentHashMap.newKeySet();
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicLong restoredRecords = new AtomicLong();
    private volatile String lastRestore = "";
    private KafkaProducer<byte[], byte[]> producer;
    private LRUCache blockCache;
    private WriteBufferManager writeBufferManager;
    private Options options;
    private WriteOptions writeOptions;
    private WriteOptions restoreWriteOptions;

    public PartitionedDedupeStore() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    @Override
    protected void doStart() throws Exception {
        RocksDB.loadLibrary();
        Files.createDirectories(dir);
        // one bounded block cache for all partitions: native memory, not heap, and not growing with the partitions
        blockCache = new LRUCache(blockCacheBytes);
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(blockCache)
                // most lookups are misses (new events): the bloom filter answers them without reading a block
                .setFilterPolicy(new BloomFilter(10));
        // memtables of all partitions share one budget, charged to the cache: native memory stays bounded however
        // many partitions a replica is assigned (the pod's memory limit counts it)
        writeBufferManager = new WriteBufferManager(writeBufferBytes, blockCache);
        options = new Options().setCreateIfMissing(true).setTableFormatConfig(table).setWriteBufferManager(writeBufferManager)
                .setMaxWriteBufferNumber(2);
        writeOptions = new WriteOptions();
        // a restore can be redone from the changelog: no WAL, one flush and the checkpoint at its end
        restoreWriteOptions = new WriteOptions().setDisableWAL(true);
        if (clientConfig.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            Map<String, Object> config = client();
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            // several lanes add keys at once: their writes share a request
            config.put(ProducerConfig.LINGER_MS_CONFIG, "1");
            // a missing changelog topic fails the add within this time instead of the producer's 60 s
            config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
            config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producer = new KafkaProducer<>(config);
        }
        LOG.info("Dedupe store started: window {}, {} deduplicated topics, changelog {}", window, topics.size(),
                producer != null ? "on" : "off (no brokers configured)");
    }

    @Override
    protected void doStop() throws Exception {
        for (TopicPartition tp : List.copyOf(open.keySet())) {
            close(tp);
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(30));
            producer = null;
        }
        for (AutoCloseable c : new AutoCloseable[] {writeOptions, restoreWriteOptions, options, writeBufferManager, blockCache}) {
            if (c != null) {
                c.close();
            }
        }
    }

    // ---- IdempotentRepository: the exchange-aware methods are the ones the idempotent consumer calls ----

    @Override
    public boolean add(Exchange exchange, String key) {
        return add(partitionOf(exchange, key), key);
    }

    @Override
    public boolean contains(Exchange exchange, String key) {
        return contains(partitionOf(exchange, key), key);
    }

    @Override
    public boolean remove(Exchange exchange, String key) {
        return remove(partitionOf(exchange, key), key);
    }

    @Override
    public boolean confirm(Exchange exchange, String key) {
        return true;
    }

    @Override
    public boolean add(String key) {
        return add(LOCAL, key);
    }

    @Override
    public boolean contains(String key) {
        return contains(LOCAL, key);
    }

    @Override
    public boolean remove(String key) {
        return remove(LOCAL, key);
    }

    @Override
    public boolean confirm(String key) {
        return true;
    }

    /** Empties the open partitions' stores (local only: the changelog keeps its keys until the window ends). */
    @Override
    public void clear() {
        for (TopicPartition tp : List.copyOf(open.keySet())) {
            withDb(tp, db -> {
                try (RocksIterator it = db.db.newIterator()) {
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                        db.db.delete(it.key());
                    }
                }
                return null;
            });
        }
    }

    public boolean add(TopicPartition tp, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        long now = clock.millis();
        byte[] value = encode(now);
        boolean added = withDb(tp, db -> {
            // check and put as one step: two lanes adding one key cannot both get true
            synchronized (stripe(k)) {
                byte[] seen = db.db.get(k);
                if (seen != null && live(seen, now)) {
                    return false;
                }
                db.db.put(writeOptions, k, value);
                return true;
            }
        });
        if (added) {
            try {
                writeChangelog(tp, k, value);
            } catch (RuntimeException notWritten) {
                // the exchange fails and its record is read again: that must not find its own key as a duplicate
                withDb(tp, db -> {
                    synchronized (stripe(k)) {
                        if (Arrays.equals(db.db.get(k), value)) {
                            db.db.delete(writeOptions, k);
                        }
                    }
                    return null;
                });
                throw notWritten;
            }
        }
        return added;
    }

    public boolean contains(TopicPartition tp, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        long now = clock.millis();
        return withDb(tp, db -> {
            byte[] seen = db.db.get(k);
            if (seen == null) {
                return false;
            }
            if (live(seen, now)) {
                return true;
            }
            // expired: gone for good (the changelog drops it by retention, a restore skips it)
            synchronized (stripe(k)) {
                byte[] again = db.db.get(k);
                if (again != null && !live(again, now)) {
                    db.db.delete(writeOptions, k);
                }
            }
            return false;
        });
    }

    public boolean remove(TopicPartition tp, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        long now = clock.millis();
        boolean present = withDb(tp, db -> {
            synchronized (stripe(k)) {
                byte[] seen = db.db.get(k);
                db.db.delete(writeOptions, k);
                return seen != null && live(seen, now);
            }
        });
        // a tombstone, acknowledged: a key resurrected by a restore would drop the event's retry as a duplicate
        writeChangelog(tp, k, null);
        return present;
    }

    // ---- partitions: assignment, revocation, restore ----

    /**
     * Opens (restoring as needed) the partitions of deduplicated topics just assigned to a consumer. Runs on the
     * consumer's thread inside its rebalance, so the consumer processes nothing of a partition before its keys
     * are there, and readiness ({@link #isRestoring()}) stays down meanwhile.
     */
    public void assigned(Collection<TopicPartition> partitions) {
        List<TopicPartition> toOpen = partitions.stream().filter(tp -> topics.contains(tp.topic()) && !open.containsKey(tp)).toList();
        if (toOpen.size() <= 1 || restoreThreads <= 1) {
            toOpen.forEach(tp -> withDb(tp, db -> null));
            return;
        }
        // partitions restore in parallel (each its own consumer and RocksDB): a restore mostly waits on fetches
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(restoreThreads, toOpen.size()), r -> {
            Thread t = new Thread(r, "dedupe-restore");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> restores = new ArrayList<>();
            toOpen.forEach(tp -> restores.add(pool.submit(() -> withDb(tp, db -> null))));
            for (Future<?> restore : restores) {
                try {
                    restore.get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException("dedupe restore failed", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while restoring dedupe partitions");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Closes the partitions' stores (files and checkpoint kept: the next assignment restores from there). */
    public void revoked(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            close(tp);
        }
    }

    /** True while a partition is being restored (readiness waits for it). */
    @ManagedAttribute(description = "Partitions being restored")
    public boolean isRestoring() {
        return restoring.get() > 0;
    }

    /** The partitions whose stores are open. */
    public Set<TopicPartition> openPartitions() {
        return Set.copyOf(open.keySet());
    }

    @ManagedAttribute(description = "Changelog writes the broker did not acknowledge")
    public long getSendFailures() {
        return sendFailures.get();
    }

    @ManagedAttribute(description = "Changelog records read by restores")
    public long getRestoredRecords() {
        return restoredRecords.get();
    }

    @ManagedAttribute(description = "The last restore: partition, records, seconds, from where")
    public String getLastRestore() {
        return lastRestore;
    }

    @FunctionalInterface
    private interface DbAction<T> {
        T apply(PartitionDb db) throws RocksDBException;
    }

    private <T> T withDb(TopicPartition tp, DbAction<T> action) {
        while (true) {
            PartitionDb db = open.get(tp);
            if (db == null) {
                db = openOrGet(tp);
            }
            db.lock.readLock().lock();
            try {
                if (db.closed) {
                    continue; // revoked meanwhile: a late call reopens it
                }
                return action.apply(db);
            } catch (RocksDBException e) {
                throw new RocksDBUnchecked(e);
            } finally {
                db.lock.readLock().unlock();
            }
        }
    }

    private PartitionDb openOrGet(TopicPartition tp) {
        synchronized (openLocks.computeIfAbsent(tp, t -> new Object())) {
            PartitionDb db = open.get(tp);
            if (db == null) {
                db = openPartition(tp);
                open.put(tp, db);
            }
            return db;
        }
    }

    private PartitionDb openPartition(TopicPartition tp) {
        restoring.incrementAndGet();
        try {
            Path home = dir.resolve(tp.topic() + "-" + tp.partition());
            Path checkpointFile = home.resolve(CHECKPOINT);
            long checkpoint = -1;
            if (Files.exists(checkpointFile)) {
                checkpoint = Long.parseLong(Files.readString(checkpointFile).strip());
            } else if (Files.exists(home)) {
                // a store without a checkpoint was never completely restored: start over from the changelog
                deleteTree(home);
            }
            Files.createDirectories(home);
            // the checkpoint describes the store only while it is closed: a crash from here on (store written
            // past it) still restores from it, which is safe (restoring applies records idempotently)
            TtlDB rocks = TtlDB.open(options, home.resolve("db").toString(), (int) Math.min(Integer.MAX_VALUE, window.toSeconds()), false);
            PartitionDb db = new PartitionDb(tp, home, rocks);
            db.restoredTo = checkpoint;
            if (producer != null && !tp.equals(LOCAL)) {
                restore(db, checkpoint);
            } else if (checkpoint < 0) {
                // nothing to restore: the store is complete as it is
                writeCheckpoint(db, 0);
            }
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException("dedupe store of a partition cannot be opened", e);
        } catch (RocksDBException e) {
            throw new RocksDBUnchecked(e);
        } finally {
            restoring.decrementAndGet();
        }
    }

    /**
     * Creates the changelog of {@code topic} when it is missing (same partition count, compact,delete, retention =
     * the window), so a new deduplicated topic needs no manual step where the bundle may create topics; checks the
     * partition count of one that exists (partition p of the changelog must hold partition p's keys).
     */
    private void ensureChangelog(String topic) {
        if (checkedChangelogs.contains(topic)) {
            return;
        }
        String changelog = topic + changelogSuffix;
        try (Admin admin = Admin.create(client())) {
            Map<String, TopicDescription> described = admin.describeTopics(List.of(topic))
                    .allTopicNames().get(restoreTimeout.toMillis(), TimeUnit.MILLISECONDS);
            int partitions = described.get(topic).partitions().size();
            Integer existing = null;
            try {
                existing = admin.describeTopics(List.of(changelog)).allTopicNames()
                        .get(restoreTimeout.toMillis(), TimeUnit.MILLISECONDS).get(changelog).partitions().size();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (existing == null) {
                NewTopic create = new NewTopic(changelog, Optional.of(partitions), Optional.empty()).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(window.toMillis())));
                try {
                    admin.createTopics(List.of(create)).all().get(restoreTimeout.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.info("Created the dedupe changelog topic {} ({} partitions)", changelog, partitions);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            } else if (existing != partitions) {
                throw new IllegalStateException("dedupe changelog " + changelog + " has " + existing + " partitions, its topic "
                        + partitions + ": they must be equal");
            }
            checkedChangelogs.add(topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the dedupe changelog " + changelog);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("dedupe changelog " + changelog + " missing and not created ("
                    + cause.getClass().getSimpleName() + "): create it as k8s/README.md says");
        }
    }

    private void restore(PartitionDb db, long checkpoint) throws RocksDBException, IOException {
        ensureChangelog(db.tp.topic());
        TopicPartition changelog = changelogOf(db.tp);
        Map<String, Object> config = client();
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        // big fetches: a restore reads one partition as fast as the broker serves it
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 << 20));
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(64 << 20));
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20000");
        // the records are applied idempotently and the broker checks them on write: no CRC pass per record here
        config.put(ConsumerConfig.CHECK_CRCS_CONFIG, "false");
        long started = System.nanoTime();
        long read = 0;
        long from;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> one = List.of(changelog);
            consumer.assign(one);
            long begin = consumer.beginningOffsets(one, restoreTimeout).get(changelog);
            long end = consumer.endOffsets(one, restoreTimeout).get(changelog);
            if (checkpoint > end) {
                // the changelog is younger than the local store (topic recreated): the store is of another history
                LOG.warn("Dedupe store of {} is ahead of its changelog: restoring from the changelog alone", db.tp);
                wipe(db);
                checkpoint = -1;
            }
            from = Math.max(begin, checkpoint);
            consumer.seek(changelog, from);
            long deadline = System.nanoTime() + restoreTimeout.toNanos();
            long now = clock.millis();
            while (consumer.position(changelog) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("dedupe changelog not restored within " + restoreTimeout);
                }
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                try (WriteBatch batch = new WriteBatch()) {
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        // the latest record of a key is its state: a tombstone or an expired first sight deletes it
                        if (record.value() == null || !live(record.value(), now)) {
                            batch.delete(record.key());
                        } else {
                            batch.put(record.key(), record.value());
                        }
                    }
                    db.db.write(restoreWriteOptions, batch);
                }
                read += records.count();
            }
            db.restoredTo = end;
        }
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.db.flush(flush);
        }
        writeCheckpoint(db, db.restoredTo);
        restoredRecords.addAndGet(read);
        double seconds = (System.nanoTime() - started) / 1e9;
        lastRestore = String.format("%s: %d records in %.1f s (%.0f/s) from %s", db.tp, read, seconds, read / Math.max(seconds, 1e-3),
                checkpoint >= 0 ? "local store + checkpoint" : "changelog alone");
        LOG.info("Dedupe store restored {}", lastRestore);
    }

    private void wipe(PartitionDb db) throws RocksDBException {
        try (RocksIterator it = db.db.newIterator(); WriteBatch batch = new WriteBatch()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                batch.delete(it.key());
            }
            db.db.write(restoreWriteOptions, batch);
        }
    }

    private void close(TopicPartition tp) {
        synchronized (openLocks.computeIfAbsent(tp, t -> new Object())) {
            PartitionDb db = open.remove(tp);
            if (db == null) {
                return;
            }
            db.lock.writeLock().lock();
            try {
                db.closed = true;
                try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
                    db.db.flush(flush);
                }
                // every write of ours up to lastWritten is in the store now; later ones by another replica are
                // read by the next restore
                writeCheckpoint(db, Math.max(0, Math.max(db.restoredTo, db.lastWritten.get() + 1)));
            } catch (RocksDBException | IOException e) {
                // no checkpoint: the next assignment restores from the changelog alone, which is correct, only slower
                LOG.warn("Dedupe store of {} closed without a checkpoint: {}", tp, e.getClass().getSimpleName());
                try {
                    Files.deleteIfExists(db.home.resolve(CHECKPOINT));
                } catch (IOException ignored) {
                    // nothing more to do
                }
            } finally {
                db.db.close();
                db.lock.writeLock().unlock();
            }
        }
    }

    private void writeChangelog(TopicPartition tp, byte[] key, byte[] value) {
        if (producer == null || tp.equals(LOCAL)) {
            return;
        }
        TopicPartition changelog = changelogOf(tp);
        try {
            RecordMetadata sent = producer.send(new ProducerRecord<>(changelog.topic(), changelog.partition(), key, value))
                    .get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
            PartitionDb db = open.get(tp);
            if (db != null) {
                db.lastWritten.accumulateAndGet(sent.offset(), Math::max);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sendFailures.incrementAndGet();
            throw new IllegalStateException("interrupted while writing to the dedupe changelog");
        } catch (ExecutionException | TimeoutException e) {
            sendFailures.incrementAndGet();
            // no key in the text (it holds event ids); the record's offset is not committed when this fails the exchange
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("dedupe changelog write not acknowledged: " + cause.getClass().getSimpleName());
        }
    }

    private TopicPartition changelogOf(TopicPartition tp) {
        return new TopicPartition(tp.topic() + changelogSuffix, tp.partition());
    }

    private TopicPartition partitionOf(Exchange exchange, String key) {
        if (exchange == null) {
            return LOCAL;
        }
        // remembered with its key: a route may drop or replace the Kafka headers before the key is added at its end
        if (exchange.getProperty(ExchangeProperties.DEDUPE_PARTITION) instanceof Remembered r && r.key.equals(key)) {
            return r.tp;
        }
        Object topic = exchange.getMessage().getHeader(KafkaConstants.TOPIC);
        Object partition = exchange.getMessage().getHeader(KafkaConstants.PARTITION);
        TopicPartition tp = topic instanceof String t && partition instanceof Number p ? new TopicPartition(t, p.intValue()) : LOCAL;
        exchange.setProperty(ExchangeProperties.DEDUPE_PARTITION, new Remembered(key, tp));
        return tp;
    }

    private boolean live(byte[] firstSeen, long now) {
        return now - decode(firstSeen) < window.toMillis();
    }

    private Object stripe(byte[] key) {
        return stripes[Math.floorMod(Arrays.hashCode(key), STRIPES)];
    }

    private static byte[] encode(long millis) {
        return ByteBuffer.allocate(Long.BYTES).putLong(millis).array();
    }

    private static long decode(byte[] value) {
        return value.length == Long.BYTES ? ByteBuffer.wrap(value).getLong() : 0;
    }

    private static void writeCheckpoint(PartitionDb db, long offset) throws IOException {
        Path tmp = db.home.resolve(CHECKPOINT + ".tmp");
        Files.writeString(tmp, Long.toString(offset));
        Files.move(tmp, db.home.resolve(CHECKPOINT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private Map<String, Object> client() {
        Map<String, Object> config = new HashMap<>();
        clientConfig.forEach((k, v) -> config.put(String.valueOf(k), v));
        return config;
    }

    private record Remembered(String key, TopicPartition tp) {
    }

    private static final class PartitionDb {
        final TopicPartition tp;
        final Path home;
        final TtlDB db;
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        final AtomicLong lastWritten = new AtomicLong(-1);
        volatile long restoredTo = -1;
        volatile boolean closed;

        PartitionDb(TopicPartition tp, Path home, TtlDB db) {
            this.tp = tp;
            this.home = home;
            this.db = db;
        }
    }

    /** RocksDB's checked exception, carried through the lambdas. */
    static final class RocksDBUnchecked extends RuntimeException {
        RocksDBUnchecked(RocksDBException e) {
            super("dedupe store: " + e.getStatus(), e);
        }
    }

    // ---- configuration ----

    /** Directory of the local stores, one sub-directory per (topic, partition). */
    public void setDir(String dir) {
        this.dir = Path.of(dir);
    }

    /** How long a key counts as seen: an ISO-8601 duration ({@code P7D}, {@code PT36H}). */
    public void setWindow(String window) {
        this.window = Duration.parse(window);
    }

    public Duration getWindow() {
        return window;
    }

    /** Brokers and security, as {@link com.example.notify.kafka.KafkaClientProperties} builds them; none: no changelog. */
    public void setClientConfig(Properties clientConfig) {
        this.clientConfig = clientConfig;
    }

    /** Appended to a deduplicated topic's name to name its changelog. */
    public void setChangelogSuffix(String changelogSuffix) {
        this.changelogSuffix = changelogSuffix;
    }

    public String getChangelogSuffix() {
        return changelogSuffix;
    }

    /** The deduplicated topics (comma-separated): their partitions are restored when assigned, not on first use. */
    public void setTopics(String topics) {
        this.topics = Arrays.stream(topics.split(",")).map(String::strip).filter(t -> !t.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }

    /** The clock the window is measured with (tests control it). */
    public void setClock(Clock clock) {
        this.clock = clock;
    }

    public void setSendTimeoutSeconds(long seconds) {
        this.sendTimeout = Duration.ofSeconds(seconds);
    }

    public void setRestoreTimeoutSeconds(long seconds) {
        this.restoreTimeout = Duration.ofSeconds(seconds);
    }

    /** Partitions restored at once when a consumer is assigned several. */
    public void setRestoreThreads(int restoreThreads) {
        this.restoreThreads = restoreThreads;
    }

    /** RocksDB block cache shared by all partitions (native memory). */
    public void setBlockCacheMb(long mb) {
        this.blockCacheBytes = mb << 20;
    }

    /** RocksDB write buffers (memtables) of all partitions together (native memory, charged to the block cache). */
    public void setWriteBufferMb(long mb) {
        this.writeBufferBytes = mb << 20;
    }
}
