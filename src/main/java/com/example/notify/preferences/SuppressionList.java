package com.example.notify.preferences;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Addresses that must not be sent to (bounces, complaints, unsubscribes), kept as address hashes, fed from
 * the compacted suppressions topic by the {@code suppression-feed} route. Record key: the address or its
 * SHA-256 hex (lower-cased address); value {@code {"reason": "bounce|complaint|unsubscribe|erased|…"}} (erased:
 * {@code bin/erase-recipient}, which writes the hash only); an empty
 * value (tombstone) lifts the suppression. An unreadable value still suppresses: when in doubt, do not send.
 */
public class SuppressionList {

    private static final Logger LOG = LoggerFactory.getLogger(SuppressionList.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> REASONS = Set.of("bounce", "complaint", "unsubscribe", "erased");

    /**
     * Reason per record key as written (lower-cased): the address hash, or the address itself for a record keyed
     * in clear. Kept per key, not per address: a tombstone lifts only its own key's suppression, so the tombstone
     * of a clear-keyed unsubscribe cannot lift the hash-keyed erasure of the same address (the two records sit on
     * different partitions and may be applied in either order).
     */
    private final Map<String, String> reasonByKey = new ConcurrentHashMap<>();

    /** Applies one record of the suppressions topic. */
    public void apply(Exchange exchange) {
        String key = exchange.getMessage().getHeader(KafkaConstants.KEY, String.class);
        if (key == null || key.isBlank()) {
            LOG.warn("Ignored a suppression record without key at offset {}", exchange.getMessage().getHeader(KafkaConstants.OFFSET));
            return;
        }
        String normalized = key.strip().toLowerCase(Locale.ROOT);
        String value = exchange.getMessage().getBody(String.class);
        if (value == null || value.isBlank()) {
            reasonByKey.remove(normalized);
        } else {
            reasonByKey.put(normalized, reasonOf(value));
        }
    }

    static String reasonOf(String value) {
        try {
            JsonNode reason = MAPPER.readTree(value).path("reason");
            String r = reason.asText("").toLowerCase(Locale.ROOT);
            return REASONS.contains(r) ? r : "other";
        } catch (Exception e) {
            return "other";
        }
    }

    /**
     * Why the address is suppressed ({@code erased}, {@code complaint}, {@code bounce}, {@code unsubscribe},
     * {@code other}, the first of these that applies when records under both its hash and its clear form exist),
     * or null.
     */
    public String reasonFor(String email) {
        if (email == null || reasonByKey.isEmpty()) {
            return null;
        }
        String byHash = reasonByKey.get(RecipientKeys.addressHash(email));
        String byAddress = reasonByKey.get(email.strip().toLowerCase(Locale.ROOT));
        if (byHash == null || byAddress == null) {
            return byHash != null ? byHash : byAddress;
        }
        return STRENGTH.indexOf(byHash) <= STRENGTH.indexOf(byAddress) ? byHash : byAddress;
    }

    private static final java.util.List<String> STRENGTH = java.util.List.of("erased", "complaint", "bounce", "unsubscribe", "other");

    public int size() {
        return reasonByKey.size();
    }
}
