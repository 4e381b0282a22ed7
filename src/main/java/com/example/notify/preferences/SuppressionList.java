package com.example.notify.preferences;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * the compacted suppressions topic by the {@code consume-suppressions} route. Record key: the address or its
 * SHA-256 hex (lower-cased address); value {@code {"reason": "bounce|hard-bounce|soft-bounce|complaint|unsubscribe|manual|erased|…", "at": …}} (hard-bounce: an SMTP reply
 * the reply table marks {@code suppress}, see {@link HardBounces}) (erased:
 * {@code bin/erase-recipient}, which writes the hash only); an empty
 * value (tombstone) lifts the suppression. An unreadable value still suppresses: when in doubt, do not send.
 *
 * <p>A one-click unsubscribe is scoped to one list (a bulk type, or its category): its record key is
 * {@code <address hash>:<list>} (see {@link #listKey}), and it stops only that list; other lists and
 * transactional mail still go out. Its tombstone re-subscribes.
 */
public class SuppressionList {

    private static final Logger LOG = LoggerFactory.getLogger(SuppressionList.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> REASONS = Set.of("bounce", "hard-bounce", "soft-bounce", "complaint", "unsubscribe", "erased", "manual");

    /**
     * Reason per record key as written (lower-cased): the address hash, or the address itself for a record keyed
     * in clear. Kept per key, not per address: a tombstone lifts only its own key's suppression, so the tombstone
     * of a clear-keyed unsubscribe cannot lift the hash-keyed erasure of the same address (the two records sit on
     * different partitions and may be applied in either order).
     */
    private final Map<String, String> reasonByKey = new ConcurrentHashMap<>();
    /**
     * When each soft-bounce suppression lapses, by record key: its {@code at} (else the record's timestamp, else
     * the time it was read) plus {@link #setSoftBounceTtl the TTL}. Only soft bounces expire; every other reason
     * holds until a tombstone lifts it.
     */
    private final Map<String, Instant> expiresAt = new ConcurrentHashMap<>();
    private Duration softBounceTtl = Duration.ofDays(7);
    private Clock clock = Clock.systemUTC();

    /** ISO-8601 duration ({@code P7D}) a soft-bounce suppression lasts (notify.suppression.soft-bounce-ttl). */
    public void setSoftBounceTtl(String ttl) {
        Duration parsed = Duration.parse(ttl.strip());
        if (parsed.isNegative() || parsed.isZero()) {
            throw new IllegalArgumentException("notify.suppression.soft-bounce-ttl must be positive, was " + ttl);
        }
        this.softBounceTtl = parsed;
    }

    void setClock(Clock clock) {
        this.clock = clock;
    }

    /** List-scoped unsubscribes by record key ({@code <address hash>:<list>}, lower-cased). */
    private final Set<String> listUnsubscribes = ConcurrentHashMap.newKeySet();

    /** The record key of a list-scoped unsubscribe: {@code <address hash>:<list>}. */
    public static String listKey(String addressHash, String list) {
        return addressHash.toLowerCase(Locale.ROOT) + ":" + list.strip().toLowerCase(Locale.ROOT);
    }

    /** True for a key of the form {@code <64 hex>:<list>}: no address in clear has that shape (the colon). */
    static boolean isListKey(String normalizedKey) {
        if (normalizedKey.length() < 66 || normalizedKey.charAt(64) != ':') {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = normalizedKey.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** Applies one record of the suppressions topic. */
    public void apply(Exchange exchange) {
        String key = exchange.getMessage().getHeader(KafkaConstants.KEY, String.class);
        if (key == null || key.isBlank()) {
            LOG.warn("Ignored a suppression record without key at offset {}", exchange.getMessage().getHeader(KafkaConstants.OFFSET));
            return;
        }
        String normalized = key.strip().toLowerCase(Locale.ROOT);
        String value = exchange.getMessage().getBody(String.class);
        if (isListKey(normalized)) {
            if (value == null || value.isBlank()) {
                listUnsubscribes.remove(normalized);
            } else {
                listUnsubscribes.add(normalized);
            }
        } else if (value == null || value.isBlank()) {
            reasonByKey.remove(normalized);
            expiresAt.remove(normalized);
        } else {
            String reason = reasonOf(value);
            if ("soft-bounce".equals(reason)) {
                Long timestamp = exchange.getMessage().getHeader(KafkaConstants.TIMESTAMP, Long.class);
                expiresAt.put(normalized, since(value, timestamp).plus(softBounceTtl));
            } else {
                expiresAt.remove(normalized);
            }
            reasonByKey.put(normalized, reason);
        }
    }

    /** The record's {@code at}, else the record timestamp, else now. */
    private Instant since(String value, Long recordTimestamp) {
        try {
            String at = MAPPER.readTree(value).path("at").asText("");
            if (!at.isEmpty()) {
                return Instant.parse(at);
            }
        } catch (Exception e) {
            // unreadable "at": fall back to the record's own time
        }
        return recordTimestamp != null && recordTimestamp > 0 ? Instant.ofEpochMilli(recordTimestamp) : clock.instant();
    }

    /** The key's reason, or null when there is none or it was a soft bounce that has lapsed. */
    private String live(String key) {
        String reason = reasonByKey.get(key);
        if (reason != null && "soft-bounce".equals(reason)) {
            Instant until = expiresAt.get(key);
            if (until != null && !clock.instant().isBefore(until)) {
                return null;
            }
        }
        return reason;
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
        String byHash = live(RecipientKeys.addressHash(email));
        if (byHash == null) {
            // written before addresses were canonicalised (differs only for non-ASCII or quoted addresses)
            byHash = live(RecipientKeys.legacyAddressHash(email));
        }
        String byAddress = live(email.strip().toLowerCase(Locale.ROOT));
        if (byHash == null || byAddress == null) {
            return byHash != null ? byHash : byAddress;
        }
        return STRENGTH.indexOf(byHash) <= STRENGTH.indexOf(byAddress) ? byHash : byAddress;
    }

    /** True when the address unsubscribed from this list (one-click unsubscribe), whatever the global state. */
    public boolean unsubscribedFrom(String email, String list) {
        if (email == null || list == null || listUnsubscribes.isEmpty()) {
            return false;
        }
        return listUnsubscribes.contains(listKey(RecipientKeys.addressHash(email), list));
    }

    private static final java.util.List<String> STRENGTH = java.util.List.of("erased", "complaint", "hard-bounce", "bounce", "manual", "unsubscribe", "soft-bounce", "other");

    public int size() {
        return reasonByKey.size() + listUnsubscribes.size();
    }
}
