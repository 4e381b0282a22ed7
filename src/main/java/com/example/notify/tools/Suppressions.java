package com.example.notify.tools;

import com.example.notify.failure.Masking;
import com.example.notify.kafka.KafkaClientProperties;
import com.example.notify.preferences.RecipientKeys;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Operator tool for one address on the suppression list: {@code bin/suppression lookup|lift|suppress ADDRESS|-}.
 * <ul>
 * <li>{@code lookup}: the address's live records on the suppressions topic (under its canonical hash, its
 *     pre-canonicalisation hash, the address in clear, and its list-scoped unsubscribes), with reason and time.</li>
 * <li>{@code lift [--list L]}: tombstones for its global records (or only list L's unsubscribe); an erasure is
 *     not lifted (that was a privacy request: {@code --include-erased} overrides).</li>
 * <li>{@code suppress}: a {@code manual} suppression under the canonical hash.</li>
 * </ul>
 * Output names the address masked ({@code j***@example.com}) and by hash; the record keys of list unsubscribes are
 * hashes, never the address.
 */
public final class Suppressions {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final Duration SCAN_LIMIT = Duration.ofMinutes(5);

    private Suppressions() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("brokers", "127.0.0.1:19092",
                "suppressions-topic", "notifications.suppressions"));
        List<String> positional = new ArrayList<>();
        boolean includeErased = false;
        for (int i = 0; i < args.length; i++) {
            if ("--include-erased".equals(args[i])) {
                includeErased = true;
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                options.put(args[i].substring(2), args[++i]);
            } else {
                positional.add(args[i]);
            }
        }
        if (positional.size() != 2 || !List.of("lookup", "lift", "suppress").contains(positional.get(0))) {
            System.err.println("usage: suppression (lookup|lift|suppress) (ADDRESS|-) [--list LIST] [--include-erased]"
                    + " [--brokers host:port] [--suppressions-topic notifications.suppressions]");
            System.exit(2);
        }
        String address = positional.get(1);
        if ("-".equals(address)) {
            // from stdin: an address on the command line stays in the shell's history and in ps
            address = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        if (address == null || address.isBlank()) {
            System.err.println("suppression: no address given");
            System.exit(2);
        }
        Properties client = KafkaClientProperties.fromEnvironment(options.get("brokers"));
        String topic = options.get("suppressions-topic");
        ObjectNode report = switch (positional.get(0)) {
            case "lookup" -> lookup(client, topic, address);
            case "lift" -> lift(client, topic, address, options.get("list"), includeErased);
            default -> suppress(client, topic, address);
        };
        System.out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
    }

    /** The live records about the address: record key (a hash or {@code <hash>:<list>}; "clear" for one keyed in clear) → value. */
    public static ObjectNode lookup(Properties client, String topic, String address) {
        Map<String, String> live = liveRecords(client, topic, address);
        ObjectNode report = header(address);
        ArrayNode records = report.putArray("suppressions");
        live.forEach((key, value) -> {
            ObjectNode entry = records.addObject();
            entry.put("key", key.contains("@") ? "(address in clear)" : key);
            try {
                JsonNode v = MAPPER.readTree(value);
                entry.put("reason", v.path("reason").asText("other"));
                if (v.hasNonNull("at")) {
                    entry.put("at", v.path("at").asText());
                }
                if (v.hasNonNull("list")) {
                    entry.put("list", v.path("list").asText());
                }
            } catch (Exception e) {
                entry.put("reason", "other");
            }
        });
        report.put("suppressed", !live.isEmpty());
        return report;
    }

    /** Tombstones the address's global records (erasures only with includeErased), or only list's unsubscribe. */
    public static ObjectNode lift(Properties client, String topic, String address, String list, boolean includeErased) throws Exception {
        Map<String, String> live = liveRecords(client, topic, address);
        String hash = RecipientKeys.addressHash(address);
        ObjectNode report = header(address);
        ArrayNode lifted = report.putArray("lifted");
        ArrayNode kept = report.putArray("kept");
        try (KafkaProducer<byte[], byte[]> producer = producer(client)) {
            for (Map.Entry<String, String> e : live.entrySet()) {
                String key = e.getKey();
                boolean listKey = key.length() > 65 && key.charAt(64) == ':';
                boolean wanted = list == null ? !listKey
                        : key.equals(hash + ":" + list.strip().toLowerCase(Locale.ROOT));
                boolean erased = e.getValue().contains("\"erased\"");
                String shown = key.contains("@") ? "(address in clear)" : key;
                if (wanted && (!erased || includeErased)) {
                    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), null)).get();
                    lifted.add(shown);
                } else if (wanted) {
                    kept.add(shown + " (erased: lift with --include-erased)");
                }
            }
        }
        return report;
    }

    /**
     * A manual suppression under the address's canonical hash, unless a record there already says more (an erasure,
     * a hard bounce, a complaint, an unsubscribe): overwriting it with {@code manual} would lose its reason, and a
     * later {@code lift} would then re-enable an erased address.
     */
    public static ObjectNode suppress(Properties client, String topic, String address) throws Exception {
        String existing = liveRecords(client, topic, address).get(RecipientKeys.addressHash(address));
        if (existing != null && !existing.contains("\"manual\"") && !existing.contains("\"soft-bounce\"")) {
            ObjectNode report = header(address);
            report.put("kept", "already suppressed with a reason of its own; nothing written");
            return report;
        }
        ObjectNode value = MAPPER.createObjectNode();
        value.put("reason", "manual");
        value.put("at", Instant.now().toString());
        String hash = RecipientKeys.addressHash(address);
        try (KafkaProducer<byte[], byte[]> producer = producer(client)) {
            producer.send(new ProducerRecord<>(topic, hash.getBytes(StandardCharsets.UTF_8),
                    MAPPER.writeValueAsBytes(value))).get();
        }
        ObjectNode report = header(address);
        report.put("suppressed", hash);
        return report;
    }

    private static ObjectNode header(String address) {
        ObjectNode report = MAPPER.createObjectNode();
        report.put("address", Masking.mask(RecipientKeys.canonicalAddress(address)));
        report.put("addressHash", RecipientKeys.addressHash(address));
        return report;
    }

    /** Reads the whole topic; the last value per key about the address, tombstoned keys dropped. */
    static Map<String, String> liveRecords(Properties client, String topic, String address) {
        String hash = RecipientKeys.addressHash(address);
        String legacy = RecipientKeys.legacyAddressHash(address);
        String clear = address.strip().toLowerCase(Locale.ROOT);
        Properties config = new Properties();
        config.putAll(client);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<String, String> live = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            long deadline = System.nanoTime() + SCAN_LIMIT.toNanos();
            while (!end.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " could not be read to its end within " + SCAN_LIMIT);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() == null) {
                        continue;
                    }
                    String key = new String(record.key(), StandardCharsets.UTF_8).strip().toLowerCase(Locale.ROOT);
                    if (key.equals(hash) || key.equals(legacy) || key.equals(clear)
                            || key.startsWith(hash + ":") || key.startsWith(legacy + ":")) {
                        if (record.value() == null || record.value().length == 0) {
                            live.remove(key);
                        } else {
                            live.put(key, new String(record.value(), StandardCharsets.UTF_8));
                        }
                    }
                }
                end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            }
        }
        return live;
    }

    private static KafkaProducer<byte[], byte[]> producer(Properties client) {
        Properties config = new Properties();
        config.putAll(client);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config);
    }
}
