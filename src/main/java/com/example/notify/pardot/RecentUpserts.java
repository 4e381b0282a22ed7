package com.example.notify.pardot;

import com.example.notify.preferences.RecipientKeys;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Upserts sent recently, as hashes of (address, request body): the same prospect data for the same address
 * is not sent again within the TTL (another event for the same person with the same fields), while changed
 * fields go through. Bounded in size; per instance.
 */
public class RecentUpserts {

    private long maxSize = 100_000;
    private long ttlSeconds = 3600;
    private volatile Cache<String, Boolean> sent;

    public boolean seen(String body) {
        return ttlSeconds > 0 && cache().getIfPresent(key(body)) != null;
    }

    public void remember(String body) {
        if (ttlSeconds > 0) {
            cache().put(key(body), Boolean.TRUE);
        }
    }

    private static String key(String body) {
        return RecipientKeys.addressHash(body);
    }

    private Cache<String, Boolean> cache() {
        Cache<String, Boolean> c = sent;
        if (c == null) {
            synchronized (this) {
                if (sent == null) {
                    sent = Caffeine.newBuilder().maximumSize(maxSize).expireAfterWrite(Duration.ofSeconds(Math.max(1, ttlSeconds))).build();
                }
                c = sent;
            }
        }
        return c;
    }

    public void setMaxSize(long maxSize) {
        this.maxSize = maxSize;
    }

    public void setTtlSeconds(long ttlSeconds) {
        this.ttlSeconds = ttlSeconds;
    }
}
