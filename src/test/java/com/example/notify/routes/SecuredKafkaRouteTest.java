package com.example.notify.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.kafka.EmbeddedKafkaBroker;
import com.example.notify.support.EventSamples;
import com.example.notify.support.TestSmtp;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.CamelContext;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The bundle against a broker that requires SASL/PLAIN, with the production idempotency store (Kafka): the
 * store's own clients must authenticate like the routes' consumers and producers, or a secured cluster refuses
 * them and duplicates go through.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=secured.events",
            "notify.kafka.topic.status=secured.status",
            "notify.kafka.topic.dlq=secured.dlq",
            "notify.kafka.topic.idempotency=secured.idempotency",
            "notify.kafka.group-id=secured-test",
            "notify.idempotency.repository=kafkaIdempotency",
            "notify.kafka.security-protocol=SASL_PLAINTEXT",
            "notify.kafka.sasl-mechanism=PLAIN",
            "notify.kafka.sasl-jaas-config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"notify\" password=\"n0t&fy+=\";",
            "notify.smtp.host=127.0.0.1",
            "notify.smtp.starttls=false",
            "notify.smtp.starttls-required=false",
            "notify.contacts.directory=fileContacts",
            "notify.contacts.file=examples/contacts.json"
        })
class SecuredKafkaRouteTest {

    static final EmbeddedKafkaBroker BROKER;

    static {
        try {
            BROKER = EmbeddedKafkaBroker.start(Files.createTempDirectory("notify-sasl-kafka"), 0, Map.of("notify", "n0t&fy+="));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        BROKER.createTopics(List.of("secured.events", "secured.status", "secured.dlq"), Set.of(), 2);
        BROKER.createTopics(List.of("secured.idempotency"), Set.of("secured.idempotency"), 1);
        System.setProperty("notify.kafka.brokers", BROKER.bootstrapServers());
        System.setProperty("notify.smtp.port", String.valueOf(TestSmtp.smtpPort()));
    }

    @org.apache.camel.BeanInject
    CamelContext context;

    @AfterAll
    void stopBroker() {
        System.clearProperty("notify.kafka.brokers");
        System.clearProperty("notify.smtp.port");
        BROKER.close();
    }

    @Test
    void eventDeliveredOnceAndItsKeyStoredOnTheSecuredCluster() throws Exception {
        String id = UUID.randomUUID().toString();
        Map<String, Object> config = new HashMap<>(BROKER.clientConfig());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>("secured.events", "c-42", EventSamples.event(id, "/billing", "email"))).get();
            List<String> first = read("secured.status", id, 1, Duration.ofSeconds(30));
            assertThat(first).as("delivered over the secured cluster").hasSize(1);
            String messageId = EventSamples.json(first.get(0).substring(first.get(0).indexOf('=') + 1).getBytes())
                    .path("data").path("messageId").asText();
            assertThat(TestSmtp.received(messageId)).hasSize(1);
            // the same event again: the store, reading and writing the secured cluster, must know it
            producer.send(new ProducerRecord<>("secured.events", "c-42", EventSamples.event(id, "/billing", "email"))).get();
            assertThat(read("secured.status", id, 1, Duration.ofSeconds(8))).as("the repeat dropped: no second status").hasSize(1);
            assertThat(TestSmtp.received(messageId)).hasSize(1);
        }
        assertThat(read("secured.idempotency", id, 2, Duration.ofSeconds(8)))
                .as("event key and email key written by the store's own (authenticated) producer").hasSize(2);
    }

    /**
     * Records of {@code topic} that mention {@code marker} (key or value): read until {@code expected} were seen
     * or {@code timeout} passed, then 3 s more for any that should not be there.
     */
    private static List<String> read(String topic, String marker, int expected, Duration timeout) {
        Map<String, Object> config = new HashMap<>(BROKER.clientConfig());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long until = System.nanoTime() + timeout.toNanos();
            boolean settling = false;
            while (System.nanoTime() < until) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (String.valueOf(r.key()).contains(marker) || String.valueOf(r.value()).contains(marker)) {
                        found.add(r.key() + "=" + r.value());
                    }
                }
                if (found.size() >= expected && !settling) {
                    settling = true;
                    until = Math.min(until, System.nanoTime() + Duration.ofSeconds(3).toNanos());
                }
            }
        }
        return found;
    }
}
