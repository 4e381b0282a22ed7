package com.example.notify.contacts;

import com.example.notify.event.Contact;
import com.example.notify.failure.PermanentFailureException;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The contacts looked up, bounded in size and time, and who is looking one up now. Route {@code lookup-contact}
 * asks {@link #cachedOrClaim}: a cached contact is the answer; on a miss the first exchange claims the id and
 * loads it from the configured directory (a file, or the contacts API through route {@code fetch-contact}),
 * {@link #complete}s it and {@link #release}s the claim in a {@code doFinally}; concurrent exchanges for the same
 * id wait for that one load and get its contact or its failure. Failures are not cached: the next lookup
 * (a redelivery) claims again. Caffeine's own loading cache would do the single flight, but its loader is a
 * Java call, and the contacts API is called from a route only (issue 23: HTTP in routes, beans pure).
 *
 * <p>As a {@link ContactDirectory} (the preview's plain Java lookup): the cached contact, else the configured
 * directory when that is a Java one (the file); the contacts API is not called from here.
 */
public class ContactCache implements ContactDirectory {

    /** Of the preview's lookup: the contact is neither cached nor in a directory a bean may ask. */
    public static final String NOT_CACHED = "contact-not-cached";

    private record Claim(String owner, CompletableFuture<Contact> result) {
    }

    private final ConcurrentHashMap<String, Claim> claims = new ConcurrentHashMap<>();
    private Object directory;
    private long maxSize = 100_000;
    private long ttlSeconds = 300;
    // longer than one API call's connect + response timeouts (3 s + 5 s by default): the loader ends well before
    private long maxWaitMs = 30_000;
    private volatile Cache<String, Contact> cache;

    /**
     * The cached contact; else, when another exchange loads it now, its result (or its failure, rethrown); else
     * {@code null}: then exchange {@code owner} holds the claim, loads the contact and must {@link #release} it.
     */
    public Contact cachedOrClaim(String contactId, String owner) {
        Contact cached = cache().getIfPresent(contactId);
        if (cached != null) {
            return cached;
        }
        Claim mine = new Claim(owner, new CompletableFuture<>());
        Claim theirs = claims.putIfAbsent(contactId, mine);
        if (theirs != null) {
            return await(theirs, contactId);
        }
        // a load may have completed between the look into the cache and the claim
        Contact loaded = cache().getIfPresent(contactId);
        if (loaded != null) {
            claims.remove(contactId, mine);
            mine.result().complete(loaded);
            return loaded;
        }
        return null;
    }

    /** The claimed load's contact: cached, and handed to the exchanges waiting for it. */
    public Contact complete(String contactId, Contact contact) {
        cache().put(contactId, contact);
        Claim claim = claims.get(contactId);
        if (claim != null) {
            claim.result().complete(contact);
        }
        return contact;
    }

    /**
     * Ends {@code owner}'s claim, whatever happened: a load that did not {@link #complete} hands its failure
     * (or, without one, "unavailable") to the waiting exchanges, and nothing is cached.
     */
    public void release(String contactId, String owner, Throwable failure) {
        Claim claim = claims.get(contactId);
        if (claim == null || !claim.owner().equals(owner)) {
            return;
        }
        claims.remove(contactId, claim);
        claim.result().completeExceptionally(failure != null ? failure
                : new ContactsUnavailableException("the lookup of the contact ended without an answer", null));
    }

    private Contact await(Claim claim, String contactId) {
        try {
            return claim.result().get(maxWaitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure; // the loader's failure as it was: contact-not-found dead-letters, unavailable redelivers
            }
            throw new ContactsUnavailableException("the lookup of the contact failed: " + e.getCause().getClass().getSimpleName(), e.getCause());
        } catch (TimeoutException e) {
            throw new ContactsUnavailableException("another lookup of the same contact took over " + maxWaitMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContactsUnavailableException("interrupted while waiting for a lookup of the same contact", e);
        }
    }

    /** The configured directory's answer when it is a Java one (the file); the contacts API is route fetch-contact's. */
    public Contact readDirectory(String contactId) {
        if (directory instanceof ContactDirectory plain) {
            return plain.find(contactId);
        }
        throw new IllegalStateException("notify.contacts.directory is the contacts API: route fetch-contact calls it");
    }

    @Override
    public Contact find(String contactId) {
        Contact cached = cache().getIfPresent(contactId);
        if (cached != null) {
            return cached;
        }
        if (directory instanceof ContactDirectory plain) {
            return plain.find(contactId);
        }
        throw new PermanentFailureException(NOT_CACHED,
                "the contacts API is called by route lookup-contact only, and this contact is not in its cache");
    }

    /** Entries in the cache (approximate; for tests and operators). */
    public long size() {
        return cache().estimatedSize();
    }

    /** How many exchanges wait for the load of {@code contactId} in flight (tests: that they wait, not load). */
    int waiting(String contactId) {
        Claim claim = claims.get(contactId);
        return claim == null ? 0 : claim.result().getNumberOfDependents();
    }

    /** Does the cache's pending maintenance now (eviction is otherwise done in the background). */
    public void cleanUp() {
        cache().cleanUp();
    }

    public void invalidateAll() {
        cache().invalidateAll();
    }

    private Cache<String, Contact> cache() {
        Cache<String, Contact> c = cache;
        if (c == null) {
            synchronized (this) {
                if (cache == null) {
                    cache = Caffeine.newBuilder()
                            .maximumSize(maxSize)
                            .expireAfterWrite(Duration.ofSeconds(ttlSeconds))
                            .build();
                }
                c = cache;
            }
        }
        return c;
    }

    /** The configured directory (notify.contacts.directory): a {@link ContactDirectory}, or {@link HttpContacts}. */
    public void setDirectory(Object directory) {
        if (!(directory instanceof ContactDirectory) && !(directory instanceof HttpContacts)) {
            throw new IllegalArgumentException("notify.contacts.directory must name fileContacts or httpContacts, not a "
                    + (directory == null ? "null" : directory.getClass().getSimpleName()));
        }
        this.directory = directory;
    }

    public void setMaxSize(long maxSize) {
        this.maxSize = maxSize;
    }

    public void setTtlSeconds(long ttlSeconds) {
        this.ttlSeconds = ttlSeconds;
    }

    public void setMaxWaitMs(long maxWaitMs) {
        this.maxWaitMs = maxWaitMs;
    }
}
