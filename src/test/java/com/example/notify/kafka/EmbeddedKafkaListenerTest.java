package com.example.notify.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileReader;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The topics the bundle creates carry a retention (personal data is not kept for ever) and their limits. */
class EmbeddedKafkaListenerTest {

    @Test
    void everyTopicTheBundleWritesGetsItsRetentionFromTheShippedProperties() throws Exception {
        Properties app = new Properties();
        try (FileReader in = new FileReader("application.properties")) {
            app.load(in);
        }
        // the shipped values with the placeholders the tests do not need resolved
        Map<String, Map<String, String>> topics = EmbeddedKafkaListener.topicConfigs(key -> Optional.ofNullable(app.getProperty(key))
                .map(v -> v.replace("{{notify.kafka.topic.events}}", app.getProperty("notify.kafka.topic.events"))));
        assertThat(topics.get("notifications.events")).containsEntry("retention.ms", "604800000").containsEntry("max.message.bytes", "262144");
        assertThat(topics.get("notifications.dlq")).containsEntry("retention.ms", "1209600000");
        assertThat(topics.get("notifications.status")).containsEntry("retention.ms", "604800000");
        assertThat(topics.get("notifications.pardot-deferred")).containsEntry("retention.ms", "259200000");
        assertThat(topics.get("notifications.events.deliver.email")).containsEntry("retention.ms", "172800000");
        assertThat(topics.get("notifications.events.deliver.webhook")).containsEntry("retention.ms", "172800000");
        assertThat(topics.get("notifications.idempotency")).containsEntry("cleanup.policy", "compact").doesNotContainKey("retention.ms");
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
