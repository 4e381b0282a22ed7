package com.example.notify.pardot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.notify.failure.NotificationFailureException;
import com.example.notify.failure.PermanentFailureException;
import com.example.notify.failure.TransientFailureException;
import org.junit.jupiter.api.Test;

/** Pardot's answers to an upsert, read as the documented shapes (limits in the JSON body, not always as 429). */
class PardotAnswersTest {

    private final PardotAnswers answers = new PardotAnswers();

    private NotificationFailureException failureOf(int status, String body) {
        try {
            answers.prospectId(status, body);
        } catch (NotificationFailureException e) {
            return e;
        }
        throw new AssertionError("no failure for HTTP " + status);
    }

    @Test
    void a2xxGivesTheProspectsId() {
        assertThat(answers.prospectId(200, "{\"id\":4242,\"email\":\"p@example.com\"}")).isEqualTo("4242");
        assertThat(answers.prospectId(201, "{\"id\":7}")).isEqualTo("7");
        assertThat(answers.tokenRejected(200, "{\"id\":7}")).isFalse();
        assertThat(answers.dailyLimit(200, "{\"id\":7}")).isFalse();
    }

    @Test
    void a401OrCode184IsARejectedToken() {
        assertThat(answers.tokenRejected(401, "")).isTrue();
        assertThat(answers.tokenRejected(401, "[{\"errorCode\":\"INVALID_SESSION_ID\"}]")).isTrue();
        assertThat(answers.tokenRejected(400, "{\"code\":184,\"message\":\"access_token is invalid\"}")).isTrue();
        assertThat(answers.tokenRejected(400, "{\"code\":4,\"message\":\"Invalid value\"}")).isFalse();
        assertThat(failureOf(401, "{\"code\":184,\"message\":\"Inactive token\"}"))
                .isInstanceOf(TransientFailureException.class).extracting(NotificationFailureException::reason).isEqualTo("pardot-token-rejected");
    }

    @Test
    void code122SpendsTheDayAndDefers() {
        String body = "{\"code\":122,\"message\":\"Daily API rate limit met\"}";
        assertThat(answers.dailyLimit(403, body)).isTrue();
        assertThat(failureOf(403, body)).isInstanceOf(PardotDailyLimitException.class)
                .hasMessage("Pardot HTTP 403 code 122: Daily API rate limit met");
    }

    @Test
    void limitsAndUnavailabilityAreTransient() {
        assertThat(failureOf(400, "{\"code\":66,\"message\":\"Exceeded concurrent request limit\"}").reason()).isEqualTo("pardot-concurrency-limit");
        assertThat(failureOf(400, "{\"code\":202,\"message\":\"Exceeded request rate limit\"}").reason()).isEqualTo("pardot-rate-limit");
        for (int status : new int[] {429, 500, 503, 0}) {
            assertThat(failureOf(status, "<html>busy</html>")).as("HTTP " + status)
                    .isInstanceOf(TransientFailureException.class).extracting(NotificationFailureException::reason).isEqualTo("pardot-unavailable");
        }
        assertThat(failureOf(502, null).reason()).isEqualTo("pardot-unavailable");
    }

    @Test
    void otherClientErrorsArePermanentWithCodeAndMaskedMessage() {
        NotificationFailureException e = failureOf(400, "{\"code\":4,\"message\":\"Invalid value for email: max.mustermann@example.com\"}");
        assertThat(e).isInstanceOf(PermanentFailureException.class);
        assertThat(e.reason()).isEqualTo("pardot-rejected");
        assertThat(e.getMessage()).startsWith("Pardot HTTP 400 code 4: Invalid value for email: ").doesNotContain("max.mustermann@example.com");
        assertThatThrownBy(() -> answers.prospectId(404, "not json")).isInstanceOf(PermanentFailureException.class)
                .hasMessage("Pardot HTTP 404: ");
    }
}
