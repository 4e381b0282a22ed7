package com.example.notify.preferences;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class UnsubscribeTokensTest {

    static final String OLD = "k1:" + Base64.getEncoder().encodeToString("old-secret-0123456789abcdef".getBytes());
    static final String NEW = "k2:" + Base64.getEncoder().encodeToString("new-secret-0123456789abcdef".getBytes());
    static final String HASH = RecipientKeys.addressHash("Jane.Doe@Example.com");
    static final String LIST = "com.example.newsletter";
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    static final Duration MAX_AGE = Duration.ofDays(90);

    static UnsubscribeTokens tokens(String keys, Instant at) {
        return new UnsubscribeTokens(keys, MAX_AGE, Clock.fixed(at, ZoneOffset.UTC));
    }

    static String reason(UnsubscribeTokens tokens, String token) {
        try {
            tokens.verify(token);
            return "accepted";
        } catch (UnsubscribeTokens.RejectedTokenException e) {
            assertThat(e.getMessage()).isEqualTo("unsubscribe token rejected: " + e.reason());
            return e.reason();
        }
    }

    @Test
    void roundTripGivesTheHashListAndIssueTimeAndHidesTheAddress() {
        UnsubscribeTokens tokens = tokens(NEW + "," + OLD, NOW);
        String token = tokens.issue(HASH, LIST);
        assertThat(token).matches("[A-Za-z0-9_-]+").hasSizeLessThan(UnsubscribeTokens.MAX_TOKEN_CHARS);
        assertThat(new String(Base64.getUrlDecoder().decode(token))).doesNotContainIgnoringCase("jane").doesNotContain(HASH);
        UnsubscribeTokens.Claims claims = tokens.verify(token);
        assertThat(claims.addressHash()).isEqualTo(HASH);
        assertThat(claims.list()).isEqualTo(LIST);
        assertThat(claims.issuedAtSeconds()).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.keyId()).isEqualTo("k2");
    }

    @Test
    void forgedSignatureIsRejected() {
        String genuine = tokens(NEW, NOW).issue(HASH, LIST);
        // the same key id, another secret: what a forger without the key can make
        String forged = tokens("k2:" + Base64.getEncoder().encodeToString("guessed-secret-0123456789".getBytes()), NOW).issue(HASH, LIST);
        assertThat(reason(tokens(NEW, NOW), forged)).isEqualTo("bad-signature");
        byte[] raw = Base64.getUrlDecoder().decode(genuine);
        raw[raw.length - 1] ^= 1;
        assertThat(reason(tokens(NEW, NOW), Base64.getUrlEncoder().withoutPadding().encodeToString(raw))).isEqualTo("bad-signature");
    }

    @Test
    void tamperedPayloadIsRejected() {
        UnsubscribeTokens tokens = tokens(NEW, NOW);
        byte[] raw = Base64.getUrlDecoder().decode(tokens.issue(HASH, LIST));
        // a bit of the address hash (offset: version 1, time 8, key id length 1 + "k2")
        raw[1 + 8 + 1 + 2 + 5] ^= 0x20;
        assertThat(reason(tokens, Base64.getUrlEncoder().withoutPadding().encodeToString(raw))).isEqualTo("bad-signature");
        byte[] older = Base64.getUrlDecoder().decode(tokens.issue(HASH, LIST));
        older[4] ^= 0x01; // the issue time
        assertThat(reason(tokens, Base64.getUrlEncoder().withoutPadding().encodeToString(older))).isEqualTo("bad-signature");
    }

    @Test
    void unknownKeyIdIsRejected() {
        String token = tokens("k9:" + Base64.getEncoder().encodeToString("another-secret-0123456789".getBytes()), NOW).issue(HASH, LIST);
        assertThat(reason(tokens(NEW + "," + OLD, NOW), token)).isEqualTo("unknown-key");
    }

    @Test
    void oldKeyStillAcceptedAfterRotationUntilItIsDropped() {
        String issuedBefore = tokens(OLD, NOW).issue(HASH, LIST);
        UnsubscribeTokens rotated = tokens(NEW + "," + OLD, NOW.plus(Duration.ofDays(10)));
        assertThat(rotated.verify(issuedBefore).keyId()).isEqualTo("k1");
        assertThat(rotated.verify(rotated.issue(HASH, LIST)).keyId()).as("the first key signs").isEqualTo("k2");
        assertThat(reason(tokens(NEW, NOW.plus(Duration.ofDays(91))), issuedBefore)).isEqualTo("unknown-key");
    }

    @Test
    void expiredAndFarFutureTokensAreRejected() {
        String token = tokens(NEW, NOW).issue(HASH, LIST);
        assertThat(reason(tokens(NEW, NOW.plus(MAX_AGE)), token)).isEqualTo("accepted");
        assertThat(reason(tokens(NEW, NOW.plus(MAX_AGE).plusSeconds(1)), token)).isEqualTo("expired");
        assertThat(reason(tokens(NEW, NOW.minus(Duration.ofHours(1))), token)).as("issued an hour ahead").isEqualTo("expired");
    }

    @Test
    void garbageAndOversizedInputIsRejectedQuicklyWithoutQuotingIt() {
        UnsubscribeTokens tokens = tokens(NEW, NOW);
        String huge = "jane.doe@example.com".repeat(100_000);
        long started = System.nanoTime();
        for (String garbage : new String[] {huge, "", "jane.doe@example.com", "%%%%", "AAAA", "not base64!",
                Base64.getUrlEncoder().encodeToString(new byte[400]), "Ag" + "A".repeat(200)}) {
            assertThatThrownBy(() -> tokens.verify(garbage)).isInstanceOf(UnsubscribeTokens.RejectedTokenException.class)
                    .hasMessage("unsubscribe token rejected: malformed");
        }
        assertThatThrownBy(() -> tokens.verify(null)).hasMessageNotContaining("null,");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void keysAreCheckedAtStartWithoutQuotingTheSecret() {
        assertThat(tokens("", NOW).configured()).isFalse();
        assertThatThrownBy(() -> tokens("k1:c2hvcnQ=", NOW)).hasMessageContaining("at least").hasMessageNotContaining("c2hvcnQ");
        assertThatThrownBy(() -> tokens("k1:not*base64*secret", NOW)).hasMessageContaining("not base64").hasMessageNotContaining("secret*");
        assertThatThrownBy(() -> tokens("nocolon", NOW)).hasMessageContaining("keyId:base64secret").hasMessageNotContaining("nocolon");
        assertThatThrownBy(() -> tokens(NEW + "," + NEW, NOW)).hasMessageContaining("duplicate");
    }
}
