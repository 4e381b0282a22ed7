package com.example.notify.contacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.notify.event.Contact;
import com.example.notify.failure.NotificationFailureException;
import com.example.notify.failure.PermanentFailureException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The contacts API's request path and the reading of its answers, without a call (route fetch-contact calls). */
class HttpContactsTest {

    private static HttpContacts api() {
        HttpContacts api = new HttpContacts();
        api.setPathTemplate("/api/contacts/{id}");
        return api;
    }

    @Test
    void theIdIsEncodedIntoThePathAsData() {
        assertThat(api().path("c-42")).isEqualTo("/api/contacts/c-42");
        assertThat(api().path("no such/one")).isEqualTo("/api/contacts/no%20such%2Fone");
        assertThat(api().path("../admin?x=1#y+z")).isEqualTo("/api/contacts/..%2Fadmin%3Fx%3D1%23y%2Bz");
        assertThat(api().path("Jürgen")).isEqualTo("/api/contacts/J%C3%BCrgen");
    }

    @Test
    void twoHundredIsTheContactWithTheRequestedIdWhenTheRecordHasNone() {
        Contact contact = api().answer(200, """
                {"email":"anna.berg@example.com","name":"Anna Berg","locale":"de",
                 "optOut":{"channels":["pardot"],"types":[]},"fields":{"firstName":"Anna"}}""", "c-100");
        assertThat(contact.getId()).isEqualTo("c-100");
        assertThat(contact.getEmail()).isEqualTo("anna.berg@example.com");
        assertThat(contact.getName()).isEqualTo("Anna Berg");
        assertThat(contact.getFields()).containsEntry("firstName", "Anna");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json {", "[1,2]", "\"text\"", ""})
    void twoHundredWithAnUnreadableRecordIsPermanentAndQuotesNothingOfIt(String body) {
        assertThatThrownBy(() -> api().answer(200, body + " anna.berg@example.com", "c-1"))
                .isInstanceOf(PermanentFailureException.class)
                .satisfies(e -> assertThat(((NotificationFailureException) e).reason()).isEqualTo("contact-record-invalid"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("anna.berg"));
    }

    @Test
    void fourOhFourIsContactNotFound() {
        assertThatThrownBy(() -> api().answer(404, "{\"error\":\"gone\"}", "c-9"))
                .isInstanceOf(ContactNotFoundException.class)
                .satisfies(e -> assertThat(((NotificationFailureException) e).reason()).isEqualTo("contact-not-found"));
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429, 500, 502, 503, 504, 401, 403, 0})
    void busyDownOrCredentialsBeingRotatedIsUnavailableNow(int status) {
        assertThatThrownBy(() -> api().answer(status, "", "c-1"))
                .isInstanceOf(ContactsUnavailableException.class)
                .hasMessageContaining("HTTP " + status);
    }

    @Test
    void noStatusAtAllIsUnavailableNow() {
        assertThatThrownBy(() -> api().answer(null, null, "c-1")).isInstanceOf(ContactsUnavailableException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 405, 410, 422, 201, 204, 301})
    void anyOtherAnswerIsRejectedPermanentlyWithItsStatus(int status) {
        assertThatThrownBy(() -> api().answer(status, "", "c-1"))
                .isInstanceOf(PermanentFailureException.class)
                .isNotInstanceOf(ContactNotFoundException.class)
                .hasMessageContaining("HTTP " + status)
                .satisfies(e -> assertThat(((NotificationFailureException) e).reason()).isEqualTo("contact-lookup-rejected"));
    }

    @Test
    void noAnswerIsUnavailableNowWithTheCauseMasked() {
        assertThatThrownBy(() -> api().unreachable(new ConnectException("Connection refused to anna.berg@example.com")))
                .isInstanceOf(ContactsUnavailableException.class)
                .hasMessageStartingWith("contacts API call failed: ConnectException: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("anna.berg@example.com"))
                .hasCauseInstanceOf(ConnectException.class);
    }
}
