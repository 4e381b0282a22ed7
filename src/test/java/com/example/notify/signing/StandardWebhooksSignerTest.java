package com.example.notify.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Verified with the Standard Webhooks reference verifier, as a receiver would. */
class StandardWebhooksSignerTest {

    static final String OLD = "whsec_" + Base64.getEncoder().encodeToString("an-old-secret-of-32-bytes-length".getBytes());
    static final String NEW = "whsec_" + Base64.getEncoder().encodeToString("a-new-secret-of-32-bytes-length!".getBytes());
    static final String BODY = "{\"text\":\"Rechnung über 12.00 EUR\"}";

    private static HttpHeaders http(Map<String, String> headers) {
        return HttpHeaders.of(headers.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))),
                (a, b) -> true);
    }

    @Test
    void aReceiverHoldingEitherSecretOfARotationAcceptsTheCall() {
        Map<String, String> headers = new StandardWebhooksSigner().headers(NEW + " " + OLD, "/billing\u001fe-1\u001fwebhook", BODY);
        assertThat(headers.get(StandardWebhooksSigner.SIGNATURE).split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"));
        assertThatCode(() -> new Webhook(NEW).verify(BODY, http(headers))).doesNotThrowAnyException();
        assertThatCode(() -> new Webhook(OLD).verify(BODY, http(headers))).doesNotThrowAnyException();
    }

    @Test
    void anotherSecretOrAnotherBodyIsRefused() {
        Map<String, String> headers = new StandardWebhooksSigner().headers(NEW, "k", BODY);
        String other = "whsec_" + Base64.getEncoder().encodeToString("someone-else-s-secret-32-bytes!!".getBytes());
        assertThat(catchThrowable(() -> new Webhook(other).verify(BODY, http(headers)))).isInstanceOf(WebhookVerificationException.class);
        assertThat(catchThrowable(() -> new Webhook(NEW).verify(BODY.replace("12.00", "1200.00"), http(headers))))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void theIdIsTheSameForEveryAttemptOfADeliveryAndOpaqueTheTimestampIsTheAttemptsOwn() {
        StandardWebhooksSigner signature = new StandardWebhooksSigner();
        signature.setClock(Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC));
        Map<String, String> first = signature.headers(NEW, "/billing\u001fe-1\u001fwebhook", BODY);
        signature.setClock(Clock.fixed(Instant.parse("2026-12-02T10:30:00Z"), ZoneOffset.UTC));
        Map<String, String> retry = signature.headers(NEW, "/billing\u001fe-1\u001fwebhook", BODY);
        assertThat(retry.get(StandardWebhooksSigner.ID)).isEqualTo(first.get(StandardWebhooksSigner.ID)).startsWith("msg_")
                .doesNotContain("billing").doesNotContain("e-1").matches("msg_[A-Za-z0-9_-]+");
        assertThat(retry.get(StandardWebhooksSigner.TIMESTAMP)).isEqualTo("1796207400");
        assertThat(retry.get(StandardWebhooksSigner.SIGNATURE)).isNotEqualTo(first.get(StandardWebhooksSigner.SIGNATURE));
        assertThat(signature.headers(NEW, "/billing\u001fe-2\u001fwebhook", BODY).get(StandardWebhooksSigner.ID))
                .isNotEqualTo(first.get(StandardWebhooksSigner.ID));
    }

    @Test
    void noSecretMeansUnsignedWithItsIdAndABadSecretIsNamedByPositionNotValue() {
        assertThat(new StandardWebhooksSigner().headers(" ", "k", BODY)).containsOnlyKeys(StandardWebhooksSigner.ID);
        assertThat(new StandardWebhooksSigner().headers(null, "k", BODY)).containsOnlyKeys(StandardWebhooksSigner.ID);
        Throwable bad = catchThrowable(() -> new StandardWebhooksSigner().headers(NEW + ",whsec_not*base64!", "k", BODY));
        assertThat(bad).hasMessageContaining("number 2").hasMessageNotContaining("not*base64");
    }
}
