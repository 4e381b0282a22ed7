package com.example.notify.contacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.notify.event.Contact;
import com.example.notify.failure.NotificationFailureException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The claim / complete / release protocol route lookup-contact follows, on real threads: one exchange loads an
 * id, the others for that id wait for its contact or its failure; failures are not cached.
 */
class ContactCacheTest {

    private static final Contact ANNA = new Contact("c-1", "anna.berg@example.com", "Anna Berg", "de", Set.of(), Set.of(), Map.of());

    private static ContactCache cache() {
        ContactCache cache = new ContactCache();
        cache.setDirectory(new HttpContacts());
        cache.setMaxWaitMs(10_000);
        return cache;
    }

    /** Another exchange's lookup of {@code id} on a thread of its own, returned once it waits for the load in flight. */
    private static CompletableFuture<Contact> waiter(ContactCache cache, String id, String owner) {
        int before = cache.waiting(id);
        CompletableFuture<Contact> answer = CompletableFuture.supplyAsync(() -> cache.cachedOrClaim(id, owner));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cache.waiting(id) == before + 1 || answer.isDone());
        assertThat(answer).as("waits for the load in flight").isNotDone();
        return answer;
    }

    @Test
    void theFirstMissClaimsTheOthersWaitForItsContactWhichIsThenCached() throws Exception {
        ContactCache cache = cache();
        assertThat(cache.cachedOrClaim("c-1", "ex-1")).as("miss: ex-1 loads").isNull();
        CompletableFuture<Contact> second = waiter(cache, "c-1", "ex-2");
        CompletableFuture<Contact> third = waiter(cache, "c-1", "ex-3");

        cache.complete("c-1", ANNA);
        cache.release("c-1", "ex-1", null);

        assertThat(second.get(5, TimeUnit.SECONDS)).isSameAs(ANNA);
        assertThat(third.get(5, TimeUnit.SECONDS)).isSameAs(ANNA);
        assertThat(cache.cachedOrClaim("c-1", "ex-4")).as("a hit").isSameAs(ANNA);
        assertThat(cache.cachedOrClaim("c-2", "ex-4")).as("another id is its own miss").isNull();
    }

    @Test
    void aFailedLoadIsEveryWaitersFailureAndIsNotCached() throws Exception {
        ContactCache cache = cache();
        assertThat(cache.cachedOrClaim("c-1", "ex-1")).isNull();
        CompletableFuture<Contact> waiting = waiter(cache, "c-1", "ex-2");

        ContactNotFoundException failure = new ContactNotFoundException("c-1");
        cache.release("c-1", "ex-1", failure);

        assertThat(waiting).failsWithin(5, TimeUnit.SECONDS).withThrowableOfType(Exception.class).havingCause().isSameAs(failure);
        assertThat(cache.size()).isZero();
        assertThat(cache.cachedOrClaim("c-1", "ex-3")).as("the next lookup claims again").isNull();
    }

    @Test
    void aLoadThatEndsWithoutAnAnswerLeavesItsWaitersUnavailable() {
        ContactCache cache = cache();
        assertThat(cache.cachedOrClaim("c-1", "ex-1")).isNull();
        CompletableFuture<Contact> waiting = waiter(cache, "c-1", "ex-2");
        cache.release("c-1", "ex-1", null);
        assertThat(waiting).failsWithin(5, TimeUnit.SECONDS).withThrowableOfType(Exception.class)
                .havingCause().isInstanceOf(ContactsUnavailableException.class);
    }

    @Test
    void onlyTheOwnerReleasesAClaim() {
        ContactCache cache = cache();
        assertThat(cache.cachedOrClaim("c-1", "ex-1")).isNull();
        cache.release("c-1", "ex-2", new ContactNotFoundException("c-1"));
        CompletableFuture<Contact> waiting = waiter(cache, "c-1", "ex-3");
        cache.complete("c-1", ANNA);
        cache.release("c-1", "ex-1", null);
        assertThat(waiting).succeedsWithin(5, TimeUnit.SECONDS).isSameAs(ANNA);
    }

    @Test
    void aWaiterGivesUpAsUnavailableAfterTheMaximumWait() {
        ContactCache cache = cache();
        cache.setMaxWaitMs(50);
        assertThat(cache.cachedOrClaim("c-1", "ex-1")).isNull();
        assertThatThrownBy(() -> cache.cachedOrClaim("c-1", "ex-2")).isInstanceOf(ContactsUnavailableException.class);
    }

    @Test
    void aNewEntryLeavesTheCacheWhenItIsFull() {
        ContactCache cache = cache();
        cache.setMaxSize(2);
        for (int i = 0; i < 50; i++) {
            cache.complete("c-" + i, ANNA);
        }
        cache.cleanUp();
        assertThat(cache.size()).isLessThanOrEqualTo(2);
    }

    @Test
    void thePlainLookupReadsTheFileButNeverCallsTheApi(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("contacts.json");
        Files.writeString(file, "[{\"id\":\"c-7\",\"email\":\"max@example.com\",\"name\":\"Max\"}]");
        FileContactDirectory files = new FileContactDirectory();
        files.setFile(file.toString());
        ContactCache fromFile = new ContactCache();
        fromFile.setDirectory(files);
        assertThat(fromFile.find("c-7").getEmail()).isEqualTo("max@example.com");
        assertThat(fromFile.readDirectory("c-7").getEmail()).isEqualTo("max@example.com");
        assertThatThrownBy(() -> fromFile.find("c-8")).isInstanceOf(ContactNotFoundException.class);

        ContactCache fromApi = cache();
        assertThatThrownBy(() -> fromApi.find("c-1")).isInstanceOf(NotificationFailureException.class)
                .satisfies(e -> assertThat(((NotificationFailureException) e).reason()).isEqualTo(ContactCache.NOT_CACHED));
        fromApi.complete("c-1", ANNA);
        assertThat(fromApi.find("c-1")).as("what delivery cached").isSameAs(ANNA);
    }

    @Test
    void anUnknownDirectoryIsRefusedAtStart() {
        assertThatThrownBy(() -> new ContactCache().setDirectory("fileContacts")).isInstanceOf(IllegalArgumentException.class);
    }
}
