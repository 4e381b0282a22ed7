package com.example.notify.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The replay reads the dead-letter topic with bounded memory: a JVM whose heap is about half of what the topic
 * holds reads every dead letter (the replay of before kept them all in a list and ran out of memory here).
 * Defaults: 2,000 dead letters of 60 KB (120 MB) under -Xmx64m; the figure (20,000 under -Xmx256m, 1.2 GB)
 * with {@code -Dnotify.test.replay.dead-letters=20000 -Dnotify.test.replay.heap=256m}.
 */
class DeadLetterReplayMemoryTest {

    static final int COUNT = Integer.getInteger("notify.test.replay.dead-letters", 2000);
    static final String HEAP = System.getProperty("notify.test.replay.heap", "64m");
    static final int SIZE = 60 * 1024;

    @Test
    void theWholeTopicIsReadUnderASmallHeap() throws Exception {
        String topic = "replay-memory.dlq";
        TestKafka.createTopics(List.of(topic), Map.of(), 4);
        byte[] value = new byte[SIZE];
        Arrays.fill(value, (byte) 'x');
        publishExactly(topic, value);

        Path out = Files.createTempFile("replay-scan", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + HEAP, "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                Scan.class.getName(), TestKafka.bootstrapServers(), topic));
        Process scan = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(scan.waitFor(5, TimeUnit.MINUTES)).as("finished").isTrue();
        String output = Files.readString(out);
        assertThat(scan.exitValue()).as(output).isZero();
        assertThat(output).contains("read=" + COUNT + " selected=" + (COUNT / 2) + " bytes=" + (long) COUNT * SIZE);
    }

    /**
     * COUNT dead letters on the topic, each once: a send the broker refused is sent again. Right after the topic's
     * creation, under load, the broker has answered NOT_LEADER_OR_FOLLOWER and then OUT_OF_ORDER_SEQUENCE_NUMBER
     * for a batch, and the record was not written (the scan then read 1,999): the topic's content is the test's
     * input, so it is made sure of rather than assumed.
     */
    private static void publishExactly(String topic, byte[] value) throws Exception {
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            pending.add(i);
        }
        for (int round = 0; round < 5 && !pending.isEmpty(); round++) {
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                    ProducerConfig.LINGER_MS_CONFIG, "20"))) {
                Map<Integer, Future<RecordMetadata>> sent = new LinkedHashMap<>();
                for (int i : pending) {
                    ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(topic, value);
                    letter.headers().add(DeadLetterHeaders.REASON, (i % 2 == 0 ? "webhook-rejected" : "smtp-rejected").getBytes(StandardCharsets.UTF_8));
                    sent.put(i, producer.send(letter));
                }
                producer.flush();
                List<Integer> refused = new ArrayList<>();
                for (Map.Entry<Integer, Future<RecordMetadata>> send : sent.entrySet()) {
                    try {
                        send.getValue().get();
                    } catch (ExecutionException e) {
                        refused.add(send.getKey());
                    }
                }
                pending = refused;
            }
        }
        assertThat(pending).as("dead letters the broker kept refusing").isEmpty();
    }

    /** Runs in the small-heap JVM: the replay's reader over the whole topic, selecting by reason as the replay does. */
    public static final class Scan {
        public static void main(String[] args) {
            Properties config = new Properties();
            config.put("bootstrap.servers", args[0]);
            AtomicLong read = new AtomicLong();
            AtomicLong selected = new AtomicLong();
            AtomicLong bytes = new AtomicLong();
            DeadLetterReplay.forEachDeadLetter(config, args[1], record -> {
                read.incrementAndGet();
                bytes.addAndGet(record.value().length);
                var reason = record.headers().lastHeader(DeadLetterHeaders.REASON);
                if (reason != null && "webhook-rejected".equals(new String(reason.value(), StandardCharsets.UTF_8))) {
                    selected.incrementAndGet();
                }
                return true;
            });
            System.out.println("read=" + read + " selected=" + selected + " bytes=" + bytes);
        }
    }
}
