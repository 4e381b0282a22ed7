package com.example.notify.pardot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.notify.failure.TransientFailureException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The token cache alone: form, answer, expiry, rejection, and one fetch at a time for concurrent requests. */
class PardotTokenSourceTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final PardotTokenSource tokens = tokens();
    private final ExecutorService callers = Executors.newFixedThreadPool(8);

    private PardotTokenSource tokens() {
        PardotTokenSource t = new PardotTokenSource();
        t.setClientId("notify client");
        t.setClientSecret("s3cr&t+=");
        t.setAssumedLifetimeSeconds(1800);
        t.setRefreshMarginSeconds(60);
        t.setClock(now::get);
        return t;
    }

    @AfterEach
    void stop() {
        callers.shutdownNow();
    }

    private void fetch(String value) throws InterruptedException {
        assertThat(tokens.claimFetch()).isTrue();
        try {
            tokens.accept(200, "{\"access_token\":\"" + value + "\",\"token_type\":\"Bearer\"}");
        } finally {
            tokens.fetchDone();
        }
    }

    @Test
    void theFormIsUrlEncoded() {
        assertThat(tokens.form()).isEqualTo("grant_type=client_credentials&client_id=notify+client&client_secret=s3cr%26t%2B%3D");
    }

    @Test
    void aTokenWithoutExpiresInLivesTheAssumedLifetimeLessTheMargin() throws InterruptedException {
        assertThat(tokens.current()).isNull();
        fetch("00Dxx!token-1");
        assertThat(tokens.current()).isNotNull();
        assertThat(tokens.bearer(tokens.issued())).isEqualTo("Bearer 00Dxx!token-1");
        now.addAndGet((1800 - 61) * 1000L);
        assertThat(tokens.current()).isNotNull();
        now.addAndGet(1000);
        assertThat(tokens.current()).as("60 s before the assumed expiry").isNull();
        assertThat(tokens.getFetches()).isEqualTo(1);
    }

    @Test
    void aRejectedTokenIsDroppedOnlyIfStillCurrent() throws InterruptedException {
        fetch("00Dxx!token-1");
        PardotTokenSource.Token first = tokens.issued();
        tokens.rejected(first);
        assertThat(tokens.current()).isNull();
        fetch("00Dxx!token-2");
        PardotTokenSource.Token second = tokens.issued();
        tokens.rejected(first); // a late request that used the first one
        assertThat(tokens.current()).isNotNull();
        assertThat(tokens.issued()).isSameAs(second);
        assertThat(second.toString()).isEqualTo("pardot-token#2").doesNotContain("token-2");
    }

    @Test
    void aRejectedAnswerFailsTransientWithoutTheSecret() throws InterruptedException {
        assertThat(tokens.claimFetch()).isTrue();
        assertThatThrownBy(() -> tokens.accept(400, "{\"error\":\"invalid_client\",\"error_description\":\"secret s3cr&t+= wrong\"}"))
                .isInstanceOf(TransientFailureException.class)
                .hasMessage("token endpoint answered HTTP 400 invalid_client")
                .satisfies(e -> assertThat(((TransientFailureException) e).reason()).isEqualTo("pardot-token-rejected"));
        tokens.fetchDone();
        assertThat(tokens.current()).isNull();
        assertThatThrownBy(tokens::issued).isInstanceOf(TransientFailureException.class).hasMessage("no token");
        assertThatThrownBy(() -> tokens.accept(200, "{\"token_type\":\"Bearer\"}")).isInstanceOf(TransientFailureException.class);
    }

    @Test
    void concurrentRequestsWithAnExpiredTokenMakeOneFetch() throws Exception {
        fetch("00Dxx!token-1");
        now.addAndGet(1800 * 1000L); // expired
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> claims = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            claims.add(callers.submit(() -> {
                start.await();
                return tokens.claimFetch();
            }));
        }
        start.countDown();
        // one claims the fetch; the seven others wait for it
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> claims.stream().filter(Future::isDone).count() == 1);
        Thread.sleep(200);
        assertThat(claims.stream().filter(Future::isDone).count()).as("the others wait").isEqualTo(1);
        Future<Boolean> fetcher = claims.stream().filter(Future::isDone).findFirst().orElseThrow();
        assertThat(fetcher.get()).isTrue();
        tokens.accept(200, "{\"access_token\":\"00Dxx!token-2\"}");
        tokens.fetchDone();
        for (Future<Boolean> claim : claims) {
            if (claim != fetcher) {
                assertThat(claim.get(10, TimeUnit.SECONDS)).as("served by the one fetch").isFalse();
            }
        }
        assertThat(tokens.getFetches()).isEqualTo(2);
        assertThat(tokens.bearer(tokens.issued())).isEqualTo("Bearer 00Dxx!token-2");
    }

    @Test
    void whenTheOneFetchFailsTheWaitersFailTooAndTheNextRequestFetchesAgain() throws Exception {
        assertThat(tokens.claimFetch()).isTrue();
        List<Future<Boolean>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(callers.submit(tokens::claimFetch));
        }
        Thread.sleep(200);
        assertThat(waiters).noneMatch(Future::isDone);
        tokens.fetchDone(); // no token stored: the fetch failed
        for (Future<Boolean> waiter : waiters) {
            assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TransientFailureException.class)
                    .hasStackTraceContaining("the token fetch this request waited for failed");
        }
        assertThat(tokens.claimFetch()).as("a later request tries again").isTrue();
        assertThat(tokens.getFetches()).isEqualTo(2);
    }
}
