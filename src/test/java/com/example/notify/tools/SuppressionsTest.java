package com.example.notify.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.kafka.KafkaClientProperties;
import com.example.notify.preferences.RecipientKeys;
import com.example.notify.preferences.SuppressionList;
import com.example.notify.support.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** bin/suppression against the embedded broker's suppressions topic: lookup, lift (global, one list), manual. */
class SuppressionsTest {

    static final String TOPIC = "tool.suppressions";

    static {
        TestKafka.createTopics(List.of(TOPIC), Set.of(TOPIC));
    }

    private final Properties client = KafkaClientProperties.fromEnvironment(TestKafka.bootstrapServers());

    @Test
    void lookupFindsEverySpellingAndLiftTombstonesOnlyWhatWasAsked() throws Exception {
        String address = "Lift.Me@Bücher.example";
        String hash = RecipientKeys.addressHash(address);
        TestKafka.publish(TOPIC, hash, "{\"reason\":\"hard-bounce\",\"at\":\"2026-12-01T10:00:00Z\",\"code\":\"smtp-recipient-unknown\"}");
        TestKafka.publish(TOPIC, SuppressionList.listKey(hash, "com.example.newsletter"), "{\"reason\":\"unsubscribe\",\"list\":\"com.example.newsletter\"}");
        TestKafka.publish(TOPIC, RecipientKeys.legacyAddressHash(address), "{\"reason\":\"complaint\"}");
        TestKafka.publish(TOPIC, RecipientKeys.addressHash("someone.else@example.com"), "{\"reason\":\"hard-bounce\"}");

        JsonNode found = Suppressions.lookup(client, TOPIC, "LIFT.me@bücher.example");
        assertThat(found.toString()).doesNotContain("lift.me@").doesNotContain("Lift.Me");
        assertThat(found.path("address").asText()).isEqualTo("l***@xn--bcher-kva.example");
        assertThat(found.path("suppressed").asBoolean()).isTrue();
        assertThat(found.path("suppressions")).extracting(n -> n.path("reason").asText())
                .containsExactlyInAnyOrder("hard-bounce", "unsubscribe", "complaint");
        // the punycode spelling is the same mailbox (canonical hash); the legacy record was hashed from the Unicode one
        assertThat(Suppressions.lookup(client, TOPIC, "lift.me@xn--bcher-kva.example").path("suppressions"))
                .extracting(n -> n.path("reason").asText()).containsExactlyInAnyOrder("hard-bounce", "unsubscribe");

        JsonNode liftedList = Suppressions.lift(client, TOPIC, address, "com.example.newsletter", false);
        assertThat(liftedList.path("lifted")).hasSize(1);
        assertThat(Suppressions.lookup(client, TOPIC, address).path("suppressions")).extracting(n -> n.path("reason").asText())
                .containsExactlyInAnyOrder("hard-bounce", "complaint");

        JsonNode lifted = Suppressions.lift(client, TOPIC, address, null, false);
        assertThat(lifted.path("lifted")).hasSize(2);
        assertThat(Suppressions.lookup(client, TOPIC, address).path("suppressed").asBoolean()).isFalse();
        List<ConsumerRecord<String, byte[]>> tombstones = TestKafka.read(TOPIC,
                r -> r.key().equals(hash) && r.value() == null, 1, Duration.ofSeconds(20), Duration.ZERO);
        assertThat(tombstones).hasSize(1);
        assertThat(Suppressions.lookup(client, TOPIC, "someone.else@example.com").path("suppressed").asBoolean())
                .as("nobody else's suppression is touched").isTrue();
    }

    @Test
    void anErasureIsNotLiftedUnlessAskedAndManualSuppressionHasItsReason() throws Exception {
        String erased = "erased.tool@example.com";
        TestKafka.publish(TOPIC, RecipientKeys.addressHash(erased), "{\"reason\":\"erased\"}");
        JsonNode kept = Suppressions.lift(client, TOPIC, erased, null, false);
        assertThat(kept.path("lifted")).isEmpty();
        assertThat(kept.path("kept")).hasSize(1);
        assertThat(Suppressions.lookup(client, TOPIC, erased).path("suppressed").asBoolean()).isTrue();
        assertThat(Suppressions.lift(client, TOPIC, erased, null, true).path("lifted")).hasSize(1);

        String manual = "manual.tool@example.com";
        Suppressions.suppress(client, TOPIC, " Manual.Tool@Example.com ");
        JsonNode found = Suppressions.lookup(client, TOPIC, manual);
        assertThat(found.path("suppressions")).extracting(n -> n.path("reason").asText()).containsExactly("manual");
        assertThat(found.path("suppressions").get(0).path("at").asText()).isNotEmpty();

        // a manual suppression never overwrites an erasure (a later lift would re-enable the address)
        String erasedAgain = "erased.again@example.com";
        TestKafka.publish(TOPIC, RecipientKeys.addressHash(erasedAgain), "{\"reason\":\"erased\"}");
        assertThat(Suppressions.suppress(client, TOPIC, erasedAgain).path("kept").asText()).isNotEmpty();
        assertThat(Suppressions.lookup(client, TOPIC, erasedAgain).path("suppressions"))
                .extracting(n -> n.path("reason").asText()).containsExactly("erased");
        assertThat(Suppressions.lift(client, TOPIC, erasedAgain, null, false).path("lifted")).isEmpty();
    }
}
