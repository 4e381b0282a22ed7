package com.example.notify.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Readiness follows the real consumer through its group join, against the test broker. */
class EventsConsumerReadinessTest {

    @Test
    void downUntilTheStoreIsStartedAndTheConsumerHasItsAssignment() throws Exception {
        String topic = TestKafka.uniqueName("readiness");
        String group = TestKafka.uniqueName("readiness-group");
        TestKafka.createTopics(List.of(topic), Set.of());

        try (DefaultCamelContext context = new DefaultCamelContext()) {
            MemoryIdempotentRepository store = new MemoryIdempotentRepository();
            context.getRegistry().bind("store", store);
            context.start();
            EventsConsumerReadiness readiness = new EventsConsumerReadiness();
            readiness.setCamelContext(context);
            readiness.setGroupId(group);
            readiness.setIdempotentRepository("store");

            assertThat(readiness.call().getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(readiness.call().getMessage()).hasValueSatisfying(m -> assertThat(m).contains("idempotency store"));

            store.start();
            assertThat(readiness.call().getMessage()).hasValueSatisfying(m -> assertThat(m).contains("not subscribed"));

            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
                consumer.subscribe(List.of(topic));
                HealthCheck.Result joining = readiness.call();
                assertThat(joining.getState()).isEqualTo(HealthCheck.State.DOWN);
                assertThat(joining.getMessage()).hasValueSatisfying(m -> assertThat(m).contains("waiting for its partition assignment"));

                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    consumer.poll(Duration.ofMillis(200));
                    return readiness.call().getState() == HealthCheck.State.UP;
                });
                Map<String, Object> details = readiness.call().getDetails();
                assertThat(details).containsEntry("consumers", 1).containsEntry("assigned-partitions", 4);

                // with a channel stage, its group must have joined too
                readiness.setChannels("email");
                assertThat(readiness.call().getState()).isEqualTo(HealthCheck.State.DOWN);
                assertThat(readiness.call().getMessage()).hasValueSatisfying(m -> assertThat(m).isEqualTo("email stage consumer not subscribed yet"));
                props.put(ConsumerConfig.GROUP_ID_CONFIG, group + "-email");
                try (KafkaConsumer<String, String> stage = new KafkaConsumer<>(props)) {
                    stage.subscribe(List.of(topic));
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                        consumer.poll(Duration.ofMillis(100));
                        stage.poll(Duration.ofMillis(100));
                        return readiness.call().getState() == HealthCheck.State.UP;
                    });
                    assertThat(readiness.call().getDetails()).containsEntry("email stage.consumers", 1);

                    // the priority lane's groups when it is on
                    readiness.setPriorityLane(true);
                    assertThat(readiness.call().getMessage()).hasValueSatisfying(m -> assertThat(m)
                            .isEqualTo("priority events consumer not subscribed yet"));
                    readiness.setPriorityLane(false);

                    // and the retry tier forwarder's group: deliveries on the tiers come back only through it
                    readiness.setRetryGroup(group + "-retry");
                    assertThat(readiness.call().getMessage()).hasValueSatisfying(m -> assertThat(m)
                            .isEqualTo("retry forwarder consumer not subscribed yet"));
                    props.put(ConsumerConfig.GROUP_ID_CONFIG, group + "-retry");
                    try (KafkaConsumer<String, String> retry = new KafkaConsumer<>(props)) {
                        retry.subscribe(List.of(topic));
                        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                            consumer.poll(Duration.ofMillis(100));
                            stage.poll(Duration.ofMillis(100));
                            retry.poll(Duration.ofMillis(100));
                            return readiness.call().getState() == HealthCheck.State.UP;
                        });
                        assertThat(readiness.call().getDetails()).containsEntry("retry forwarder.consumers", 1);
                    }
                    assertThat(readiness.call().getMessage()).as("forwarder closed").hasValueSatisfying(m -> assertThat(m)
                            .isEqualTo("retry forwarder consumer not subscribed yet"));
                }
            }
            assertThat(readiness.call().getState()).as("consumer closed").isEqualTo(HealthCheck.State.DOWN);
        }
    }
}
