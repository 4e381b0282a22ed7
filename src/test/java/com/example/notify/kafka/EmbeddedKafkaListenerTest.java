package com.example.notify.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/** The topics the bundle creates carry a retention (personal data is not kept for ever) and their limits. */
class EmbeddedKafkaListenerTest {

    private static Properties shipped() throws Exception {
        Properties app = new Properties();
        try (FileReader in = new FileReader("application.properties")) {
            app.load(in);
        }
        return app;
    }

    /** The shipped values, {{…}} placeholders resolved against the same file (as Camel's properties component would). */
    private static Optional<String> property(Properties app, String key) {
        Optional<String> value = Optional.ofNullable(app.getProperty(key));
        while (value.isPresent() && value.get().contains("{{")) {
            Matcher m = Pattern.compile("\\{\\{([^}:]+)}}").matcher(value.get());
            if (!m.find()) {
                break;
            }
            String inner = property(app, m.group(1)).orElse("");
            value = Optional.of(value.get().replace(m.group(0), inner));
        }
        return value;
    }

    private static Map<String, Map<String, String>> shippedTopics() throws Exception {
        Properties app = shipped();
        return EmbeddedKafkaListener.topicConfigs(key -> property(app, key));
    }

    @Test
    void everyTopicTheBundleWritesGetsItsRetentionFromTheShippedProperties() throws Exception {
        Map<String, Map<String, String>> topics = shippedTopics();
        assertThat(topics.get("notifications.events")).containsEntry("retention.ms", "604800000").containsEntry("max.message.bytes", "262144");
        assertThat(topics.get("notifications.dlq")).containsEntry("retention.ms", "1209600000");
        assertThat(topics.get("notifications.status")).containsEntry("retention.ms", "604800000");
        assertThat(topics.get("notifications.pardot-deferred")).containsEntry("retention.ms", "259200000");
        assertThat(topics.get("notifications.events.deliver.email")).containsEntry("retention.ms", "172800000");
        assertThat(topics.get("notifications.events.deliver.webhook")).containsEntry("retention.ms", "172800000");
        assertThat(topics.get("notifications.events.deliver.email.priority")).containsEntry("retention.ms", "172800000");
        // the retry tiers (notify.retry.tiers=30s,2m,10m,1h) hold whole delivery records: notify.kafka.retention.retry-ms
        for (String tier : List.of("30s", "2m", "10m", "1h")) {
            assertThat(topics.get("notifications.events.retry." + tier)).as(tier).containsEntry("retention.ms", "172800000");
        }
        assertThat(topics.get("notifications.idempotency")).containsEntry("cleanup.policy", "compact").doesNotContainKey("retention.ms");
        assertThat(topics.get("notifications.suppressions")).containsEntry("cleanup.policy", "compact");
        // nothing kept for ever: every topic is compacted (keys only replaced) or has a retention
        assertThat(topics).allSatisfy((topic, configs) -> assertThat(configs).as(topic)
                .satisfiesAnyOf(c -> assertThat(c).containsKey("retention.ms"), c -> assertThat(c).containsEntry("cleanup.policy", "compact")));
    }

    /**
     * Every topic a route writes ({@code kafka:{{notify.kafka.topic.…}}} in routes/, the retry tiers, the delivery
     * topics) is one the embedded broker creates with its configs: a new topic property without a retention fails here.
     */
    @Test
    void theRoutesWriteNoTopicTheBrokerDoesNotCreate() throws Exception {
        Properties app = shipped();
        Map<String, Map<String, String>> topics = shippedTopics();
        Pattern uri = Pattern.compile("kafka:\\{\\{(notify\\.kafka\\.topic\\.[a-z.-]+)}}");
        List<Path> routes;
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            routes = files.filter(p -> p.toString().endsWith(".camel.yaml")).toList();
        }
        int found = 0;
        for (Path route : routes) {
            Matcher m = uri.matcher(Files.readString(route));
            while (m.find()) {
                found++;
                String topic = property(app, m.group(1)).orElseThrow(() -> new AssertionError(m.group(0) + " is not set"));
                assertThat(topics).as(route + ": " + m.group(0)).containsKey(topic);
            }
        }
        assertThat(found).isGreaterThanOrEqualTo(4);
    }

    /** On a real broker: the configs are set where the topics are created, and on a topic that existed already. */
    @Test
    void theEmbeddedBrokerSetsTheRetentionOnNewAndExistingTopics() throws Exception {
        Map<String, Map<String, String>> topics = shippedTopics();
        Path dir = Files.createTempDirectory("embedded-retention");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir, 0)) {
            // as a data directory kept from before: one retry tier auto-created without configs
            broker.createTopics(List.of("notifications.events.retry.1h"), Map.of(), 1);
            broker.createTopics(topics.keySet(), topics, 1);
            Map<String, Object> client = new HashMap<>();
            client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (Admin admin = Admin.create(client)) {
                List<ConfigResource> resources = topics.keySet().stream()
                        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
                Map<ConfigResource, Config> described = admin.describeConfigs(resources).all().get();
                topics.forEach((topic, expected) -> {
                    Config actual = described.get(new ConfigResource(ConfigResource.Type.TOPIC, topic));
                    expected.forEach((key, value) -> assertThat(actual.get(key).value()).as(topic + " " + key).isEqualTo(value));
                });
                assertThat(described.get(new ConfigResource(ConfigResource.Type.TOPIC, "notifications.events.retry.1h"))
                        .get("retention.ms").value()).isEqualTo("172800000");
            }
        }
    }

    @Test
    void everyDeduplicatedTopicGetsAChangelogThatIsCompactedAndDeletedAfterTheWindow() {
        Map<String, String> shipped = Map.of("notify.kafka.topic.events", "ev", "notify.idempotency.window", "P7D",
                "notify.idempotency.topics", "ev, ev.priority,ev.deliver.email");
        Map<String, Map<String, String>> topics = EmbeddedKafkaListener.topicConfigs(key -> Optional.ofNullable(shipped.get(key)));
        for (String topic : java.util.List.of("ev", "ev.priority", "ev.deliver.email")) {
            assertThat(topics.get(topic + ".dedupe-changelog")).as(topic)
                    .containsEntry("cleanup.policy", "compact,delete").containsEntry("retention.ms", "604800000");
        }
    }
}
