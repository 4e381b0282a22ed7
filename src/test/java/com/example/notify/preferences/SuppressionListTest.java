package com.example.notify.preferences;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class SuppressionListTest {

    @Test
    void reasonIsOneOfAFewCodesAndAnUnreadableValueStillSuppresses() {
        assertThat(SuppressionList.reasonOf("{\"reason\":\"Complaint\"}")).isEqualTo("complaint");
        assertThat(SuppressionList.reasonOf("{\"reason\":\"hard bounce from mx.example.com\"}")).isEqualTo("other");
        assertThat(SuppressionList.reasonOf("not json")).isEqualTo("other");
    }

    @Test
    void addressHashIgnoresCaseAndSurroundingSpace() {
        assertThat(RecipientKeys.addressHash(" Jane.Doe@Example.COM ")).isEqualTo(RecipientKeys.addressHash("jane.doe@example.com"))
                .hasSize(64).doesNotContain("jane");
    }

    @Test
    void addressHashIsSha256OfTheNormalisedAddressOnEveryThreadAndCall() throws Exception {
        String expected = "08168cd80dfd534ab0f10af10f1303fe00af2d43ab5c1432360d137f8197e17a"; // sha256("a@example.com")
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> hashes = IntStream.range(0, 2_000)
                    .mapToObj(i -> pool.submit(() -> RecipientKeys.addressHash(i % 2 == 0 ? "A@Example.com" : "b@example.com")))
                    .toList();
            for (int i = 0; i < hashes.size(); i += 2) {
                assertThat(hashes.get(i).get()).isEqualTo(expected);
                assertThat(hashes.get(i + 1).get()).isNotEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anEmptyListSuppressesNobodyAndAFilledOneFindsTheAddressInAnyCase() {
        SuppressionList list = new SuppressionList();
        assertThat(list.reasonFor("jane@example.com")).isNull();
        DefaultExchange record = new DefaultExchange(new DefaultCamelContext());
        record.getMessage().setHeader(KafkaConstants.KEY, "Jane@Example.com");
        record.getMessage().setBody("{\"reason\":\"bounce\"}");
        list.apply(record);
        assertThat(list.reasonFor(" jane@example.COM")).isEqualTo("bounce");
        assertThat(list.reasonFor("john@example.com")).isNull();
    }

    private static void apply(SuppressionList list, String key, String value) {
        DefaultExchange record = new DefaultExchange(new DefaultCamelContext());
        record.getMessage().setHeader(KafkaConstants.KEY, key);
        record.getMessage().setBody(value);
        list.apply(record);
    }

    @Test
    void aClearKeysTombstoneLiftsOnlyItsOwnSuppressionNotTheHashKeyedErasureInEitherOrder() {
        String hash = RecipientKeys.addressHash("ann@example.com");
        // erase-recipient: the hash-keyed erasure and the tombstone of a clear-keyed unsubscribe, on different
        // partitions: applied in either order, the address stays suppressed as erased
        SuppressionList tombstoneLast = new SuppressionList();
        apply(tombstoneLast, "Ann@Example.com", "{\"reason\":\"unsubscribe\"}");
        apply(tombstoneLast, hash, "{\"reason\":\"erased\"}");
        assertThat(tombstoneLast.reasonFor("ann@example.com")).as("erased wins over unsubscribe").isEqualTo("erased");
        apply(tombstoneLast, "Ann@Example.com", null);
        assertThat(tombstoneLast.reasonFor("ann@example.com")).isEqualTo("erased");

        SuppressionList tombstoneFirst = new SuppressionList();
        apply(tombstoneFirst, "ann@example.com", "{\"reason\":\"unsubscribe\"}");
        apply(tombstoneFirst, "ann@example.com", "");
        apply(tombstoneFirst, hash, "{\"reason\":\"erased\"}");
        assertThat(tombstoneFirst.reasonFor("ANN@example.com")).isEqualTo("erased");
        // lifting an erasure is a tombstone on the hash key
        apply(tombstoneFirst, hash, null);
        assertThat(tombstoneFirst.reasonFor("ann@example.com")).isNull();
    }

    @Test
    void aListScopedUnsubscribeStopsOnlyThatListAndItsTombstoneLiftsIt() {
        SuppressionList list = new SuppressionList();
        String key = SuppressionList.listKey(RecipientKeys.addressHash("Jane@Example.com"), "com.example.Newsletter");
        apply(list, key, "{\"reason\":\"unsubscribe\",\"list\":\"com.example.Newsletter\"}");
        assertThat(list.unsubscribedFrom(" jane@example.com", "com.example.newsletter")).isTrue();
        assertThat(list.unsubscribedFrom("jane@example.com", "com.example.promo")).isFalse();
        assertThat(list.reasonFor("jane@example.com")).as("not a global suppression").isNull();
        apply(list, key, null);
        assertThat(list.unsubscribedFrom("jane@example.com", "com.example.newsletter")).isFalse();
        assertThat(SuppressionList.isListKey("a:b@example.com")).isFalse();
    }
}
