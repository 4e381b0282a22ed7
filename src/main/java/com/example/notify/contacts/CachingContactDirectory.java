package com.example.notify.contacts;

import com.example.notify.event.Contact;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.time.Duration;

/**
 * Caches another directory's answers, bounded in size and time. Concurrent misses for one id wait for a
 * single lookup (Caffeine loads a key once); failures are not cached, so the next event asks again.
 */
public class CachingContactDirectory implements ContactDirectory {

    private ContactDirectory delegate;
    private long maxSize = 100_000;
    private long ttlSeconds = 300;
    private volatile LoadingCache<String, Contact> cache;

    @Override
    public Contact find(String contactId) {
        return cache().get(contactId);
    }

    private LoadingCache<String, Contact> cache() {
        LoadingCache<String, Contact> c = cache;
        if (c == null) {
            synchronized (this) {
                if (cache == null) {
                    ContactDirectory source = delegate;
                    cache = Caffeine.newBuilder()
                            .maximumSize(maxSize)
                            .expireAfterWrite(Duration.ofSeconds(ttlSeconds))
                            .recordStats()
                            .build(source::find);
                }
                c = cache;
            }
        }
        return c;
    }

    public CacheStats stats() {
        return cache().stats();
    }

    public void invalidateAll() {
        cache().invalidateAll();
    }

    public void setDelegate(ContactDirectory delegate) {
        this.delegate = delegate;
    }

    public void setMaxSize(long maxSize) {
        this.maxSize = maxSize;
    }

    public void setTtlSeconds(long ttlSeconds) {
        this.ttlSeconds = ttlSeconds;
    }
}
