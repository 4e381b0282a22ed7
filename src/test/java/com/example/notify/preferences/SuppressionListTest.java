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

    @Test
    void canonicalAddressFoldsCaseNfcIdnTrailingDotAndNeedlessQuotes() {
        assertThat(RecipientKeys.canonicalAddress("  Jane.Doe@Example.COM ")).isEqualTo("jane.doe@example.com");
        assertThat(RecipientKeys.canonicalAddress("anna@Bücher.example")).isEqualTo("anna@xn--bcher-kva.example");
        assertThat(RecipientKeys.canonicalAddress("anna@xn--bcher-kva.example.")).isEqualTo("anna@xn--bcher-kva.example");
        // decomposed ü (u + combining diaeresis) and precomposed ü are the same mailbox
        assertThat(RecipientKeys.addressHash("jose\u0301@example.com")).isEqualTo(RecipientKeys.addressHash("jos\u00e9@example.com"));
        assertThat(RecipientKeys.addressHash("anna@B\u00fccher.example")).isEqualTo(RecipientKeys.addressHash("anna@xn--bcher-kva.example"));
        assertThat(RecipientKeys.canonicalAddress("\"john.smith\"@example.com")).isEqualTo("john.smith@example.com");
        assertThat(RecipientKeys.canonicalAddress("\"john smith\"@example.com")).isEqualTo("\"john smith\"@example.com");
        assertThat(RecipientKeys.canonicalAddress("not-an-address")).isEqualTo("not-an-address");
        // ASCII addresses hash exactly as before canonicalisation: existing suppressions keep matching
        assertThat(RecipientKeys.addressHash("A@Example.com")).isEqualTo(RecipientKeys.legacyAddressHash("A@Example.com"));
    }

    @Test
    void aSuppressionWrittenUnderTheLegacyHashOfAUnicodeDomainStillMatches() {
        SuppressionList list = new SuppressionList();
        apply(list, RecipientKeys.legacyAddressHash("anna@bücher.example"), "{\"reason\":\"complaint\"}");
        assertThat(list.reasonFor("Anna@Bücher.example")).isEqualTo("complaint");
        apply(list, RecipientKeys.addressHash("max@bücher.example"), "{\"reason\":\"hard-bounce\"}");
        assertThat(list.reasonFor("max@xn--bcher-kva.example")).as("the punycode spelling is the same mailbox").isEqualTo("hard-bounce");
    }

    @Test
    void reasonsAreKeptAndOnlySoftBouncesExpire() {
        java.time.Instant now = java.time.Instant.parse("2026-12-03T06:00:00Z");
        SuppressionList list = new SuppressionList();
        list.setSoftBounceTtl("P7D");
        list.setClock(java.time.Clock.fixed(now, java.time.ZoneOffset.UTC));
        apply(list, RecipientKeys.addressHash("soft@example.com"), "{\"reason\":\"soft-bounce\",\"at\":\"2026-11-30T06:00:00Z\"}");
        apply(list, RecipientKeys.addressHash("old-soft@example.com"), "{\"reason\":\"soft-bounce\",\"at\":\"2026-11-20T06:00:00Z\"}");
        apply(list, RecipientKeys.addressHash("hard@example.com"), "{\"reason\":\"hard-bounce\",\"at\":\"2020-01-01T00:00:00Z\"}");
        apply(list, RecipientKeys.addressHash("manual@example.com"), "{\"reason\":\"manual\",\"at\":\"2020-01-01T00:00:00Z\"}");
        apply(list, RecipientKeys.addressHash("old-bounce@example.com"), "{\"reason\":\"bounce\",\"at\":\"2020-01-01T00:00:00Z\"}");
        assertThat(list.reasonFor("soft@example.com")).isEqualTo("soft-bounce");
        assertThat(list.reasonFor("old-soft@example.com")).as("older than the TTL").isNull();
        assertThat(list.reasonFor("hard@example.com")).isEqualTo("hard-bounce");
        assertThat(list.reasonFor("manual@example.com")).isEqualTo("manual");
        assertThat(list.reasonFor("old-bounce@example.com")).as("existing hard rules never expire").isEqualTo("bounce");
        list.setClock(java.time.Clock.fixed(now.plus(java.time.Duration.ofDays(4)), java.time.ZoneOffset.UTC));
        assertThat(list.reasonFor("soft@example.com")).isNull();
        // a hard bounce after a soft one replaces it and does not expire
        apply(list, RecipientKeys.addressHash("soft@example.com"), "{\"reason\":\"hard-bounce\"}");
        assertThat(list.reasonFor("soft@example.com")).isEqualTo("hard-bounce");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> list.setSoftBounceTtl("PT0S"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
