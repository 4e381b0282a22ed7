package com.example.notify.deadletter;

import com.example.notify.contract.ExchangeProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.Produce;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Operator's replay of dead letters (routes/replay-dead-letters.camel.yaml): reads the dead-letter topic from
 * its start to its current end, selects by reason, event id and dead-letter time, and, unless it is a dry run,
 * re-publishes each selected original record to the events topic with its key and headers (not the
 * {@code notify-dlq-*} ones) plus {@code notify-replay-of: <partition>@<offset>}. A dead letter is replayed at
 * most once (its location is remembered in the idempotency repository); the consumer treats a replayed record
 * as new at event level, the channels' own keys keep what was delivered from going out twice.
 */
public class DeadLetterReplay {

    public static final String REPLAY_OF = "notify-replay-of";
    private final ObjectMapper mapper = new ObjectMapper();
    private Properties clientConfig;
    private String topic;
    private String eventsEndpoint;
    private String idempotentRepository;
    // publishes as the replay streams the topic (the records cannot be handed back to the route: a poll's worth at a
    // time); Camel's bean post-processor injects it into beans declared in YAML too (camel-main 4.17)
    @Produce
    private ProducerTemplate producer;
    private int limit = 1000;
    private com.example.notify.preferences.SuppressionList suppressions;
    private com.example.notify.ingest.ControlHeaders signer = new com.example.notify.ingest.ControlHeaders();

    /**
     * @param reason  dead-letter reason ({@code notify-dlq-reason}), or null for any
     * @param eventId event id, or null for any
     * @param from    ISO-8601 instant, dead-lettered at or after; null for no bound
     * @param to      ISO-8601 instant, dead-lettered before; null for no bound
     * @param dryRun  anything but {@code false} only lists
     * @return a JSON report: the selected dead letters and what happened to each
     */
    public String replay(@org.apache.camel.Header("reason") String reason, @org.apache.camel.Header("eventId") String eventId,
                         @org.apache.camel.Header("from") String from, @org.apache.camel.Header("to") String to,
                         @org.apache.camel.Header("dryRun") String dryRun, org.apache.camel.Exchange exchange) {
        Instant after = instant("from", from);
        Instant before = instant("to", to);
        boolean dry = !"false".equalsIgnoreCase(dryRun);
        if (!dry && !signer.isConfigured()) {
            throw new IllegalArgumentException("replay needs notify.replay.hmac-key (env NOTIFY_REPLAY_HMAC_KEY): it signs what it re-publishes");
        }
        // by name, at the call: notify.idempotency.repository may name a bean of a route file read after this one
        // (the benchmarks' baseline store, bench/camel-kafka-idempotency.camel.yaml), which a #reference cannot reach
        IdempotentRepository replayed = exchange.getContext().getRegistry()
                .lookupByNameAndType(idempotentRepository, IdempotentRepository.class);
        ObjectNode report = mapper.createObjectNode().put("dryRun", dry).put("topic", topic);
        ArrayNode items = report.putArray("deadLetters");
        int[] selected = {0};
        int[] published = {0};
        // streamed: one poll's records at a time, never the whole topic (values of up to a MB each) in memory
        forEachDeadLetter(clientConfig, topic, record -> {
            String recordReason = header(record, DeadLetterHeaders.REASON);
            String recordEvent = header(record, DeadLetterHeaders.PREFIX + "event-id");
            Instant at = timeOf(record);
            if ((reason != null && !reason.isBlank() && !reason.equals(recordReason))
                    || (eventId != null && !eventId.isBlank() && !eventId.equals(recordEvent))
                    || (after != null && at.isBefore(after)) || (before != null && !at.isBefore(before))) {
                return true;
            }
            if (++selected[0] > limit) {
                report.put("truncated", true);
                return false;
            }
            String location = record.partition() + "@" + record.offset();
            ObjectNode item = items.addObject().put("location", location).put("eventId", recordEvent)
                    .put("channel", header(record, DeadLetterHeaders.PREFIX + "channel")).put("reason", recordReason)
                    .put("deadLetteredAt", at.toString());
            String key = "replay|" + topic + "|" + location;
            if (erased(record)) {
                // bin/erase-recipient: replaying would put the erased recipient's data back on the events topic
                item.put("action", "not-replayable-erased");
            } else if ("true".equals(header(record, DeadLetterBounds.TRUNCATED))) {
                // a stub holds only the first bytes of the record: replaying it would publish a broken event
                item.put("action", "not-replayable-truncated");
            } else if (dry) {
                item.put("action", replayed.contains(key) ? "already-replayed" : "would-replay");
            } else if (replayed.add(key)) {
                publish(record, location);
                item.put("action", "replayed");
                published[0]++;
            } else {
                item.put("action", "already-replayed");
            }
            return true;
        });
        int selectedCount = selected[0];
        int publishedCount = published[0];
        report.put("selected", Math.min(selectedCount, limit)).put("replayed", publishedCount);
        // for the route's log line: the selection as parsed and counts, not the report (it lists every selected
        // dead letter) nor the raw query values (operator input, could be anything)
        exchange.setProperty(ExchangeProperties.REPLAY_SELECTION, selection(reason, eventId, after, before, dry));
        exchange.setProperty(ExchangeProperties.REPLAY_SELECTED, Math.min(selectedCount, limit));
        exchange.setProperty(ExchangeProperties.REPLAY_PUBLISHED, publishedCount);
        return report.toString();
    }

    private boolean erased(ConsumerRecord<byte[], byte[]> record) {
        if (suppressions == null || suppressions.size() == 0) {
            return false;
        }
        Header contact = record.headers().lastHeader("notify-contact");
        for (String address : com.example.notify.preferences.RecordRecipients.addresses(record.value(), contact == null ? null : contact.value())) {
            if ("erased".equals(suppressions.reasonFor(address))) {
                return true;
            }
        }
        return false;
    }

    /** Headers the stages write on delivery records (see routes/route-by-channel and retry-deliveries). */
    static final java.util.regex.Pattern STAGE_HEADERS = java.util.regex.Pattern.compile("notify-(channel|contact|attempts|retry-.*)");

    private void publish(ConsumerRecord<byte[], byte[]> record, String location) {
        Map<String, Object> headers = new HashMap<>();
        for (Header h : record.headers()) {
            // a replay starts over at ingest: no dead-letter details, and none of the channel stages' own headers
            // (channel, contact, attempts, retry tier), or a new failure would count the old attempts
            if (!h.key().startsWith(DeadLetterHeaders.PREFIX) && !STAGE_HEADERS.matcher(h.key()).matches()
                    && !h.key().startsWith("notify-replay-")) {
                headers.put(h.key(), h.value());
            }
        }
        headers.put(REPLAY_OF, location);
        // consume-events honours the mark only with this signature: producers cannot skip dedupe by setting it
        headers.put(com.example.notify.ingest.ControlHeaders.REPLAY_SIG, signer.sign(location, record.value()));
        if (record.key() != null) {
            headers.put("kafka.KEY", new String(record.key(), StandardCharsets.UTF_8));
        }
        producer.sendBodyAndHeaders(eventsEndpoint, record.value(), headers);
    }

    /** Small polls: memory is bounded by one poll's records (each at most a dead letter's size), whatever the topic holds. */
    static final int MAX_POLL_RECORDS = 20;
    static final int MAX_FETCH_BYTES = 4 * 1024 * 1024;

    /**
     * Reads the dead-letter topic from its start to the end it had when called, handing each record to
     * {@code visitor} as it is read and keeping none; stops early when the visitor returns false.
     */
    public static void forEachDeadLetter(Properties clientConfig, String topic,
                                         java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> visitor) {
        Properties config = new Properties();
        config.putAll(clientConfig);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(MAX_POLL_RECORDS));
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(MAX_FETCH_BYTES));
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(MAX_FETCH_BYTES / 4));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("dead-letter topic not read to its end within 10 min");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                        continue; // written after the replay began
                    }
                    if (!visitor.test(record)) {
                        return;
                    }
                }
            }
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Instant timeOf(ConsumerRecord<byte[], byte[]> record) {
        String at = header(record, DeadLetterHeaders.PREFIX + "time");
        try {
            return at != null ? Instant.parse(at) : Instant.ofEpochMilli(record.timestamp());
        } catch (DateTimeParseException e) {
            return Instant.ofEpochMilli(record.timestamp());
        }
    }

    /** Reason codes and event ids as they look in dead letters; anything else is logged as {@code other}. */
    static String selection(String reason, String eventId, Instant after, Instant before, boolean dry) {
        return "reason=" + loggable(reason) + " eventId=" + loggable(eventId)
                + " deadLetteredSince=" + (after == null ? "any" : after) + " deadLetteredBefore=" + (before == null ? "any" : before)
                + " dryRun=" + dry;
    }

    private static String loggable(String value) {
        if (value == null || value.isBlank()) {
            return "any";
        }
        return value.matches("[A-Za-z0-9._:-]{1,64}") ? value : "other";
    }

    private static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 instant such as 2026-11-24T10:00:00Z");
        }
    }

    /** Brokers and security, as {@link com.example.notify.kafka.KafkaClientProperties} builds them. */
    public void setClientConfig(Properties clientConfig) {
        this.clientConfig = clientConfig;
    }

    public void setTopic(String topic) {
        this.topic = topic;
    }

    /** Where replayed records go, e.g. {@code kafka:notifications.events?valueSerializer=…}. */
    public void setEventsEndpoint(String eventsEndpoint) {
        this.eventsEndpoint = eventsEndpoint;
    }

    /** Bean name of the idempotency repository that remembers what was replayed. */
    public void setIdempotentRepository(String idempotentRepository) {
        this.idempotentRepository = idempotentRepository;
    }

    /** Signs the replay mark ({@code controlHeaders}, key {@code notify.replay.hmac-key}). */
    public void setSigner(com.example.notify.ingest.ControlHeaders signer) {
        this.signer = signer;
    }

    public void setLimit(int limit) {
        this.limit = limit;
    }

    /** The suppression list: dead letters of an erased recipient are not replayed. */
    public void setSuppressions(com.example.notify.preferences.SuppressionList suppressions) {
        this.suppressions = suppressions;
    }
}
