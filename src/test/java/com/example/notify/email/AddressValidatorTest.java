package com.example.notify.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.example.notify.failure.PermanentFailureException;
import jakarta.mail.internet.InternetAddress;
import org.junit.jupiter.api.Test;

class AddressValidatorTest {

    private static String reasonFor(String address, String name) {
        return catchThrowableOfType(PermanentFailureException.class, () -> AddressValidator.parse(address, name)).reason();
    }

    @Test
    void acceptsAMailboxAndEncodesTheName() throws Exception {
        InternetAddress address = AddressValidator.parse("jane.doe@example.com", "Jäne \"JD\" Doe");
        assertThat(address.getAddress()).isEqualTo("jane.doe@example.com");
        assertThat(address.getPersonal()).isEqualTo("Jäne \"JD\" Doe");
        assertThat(address.toString()).doesNotContain("\n").startsWith("=?UTF-8?");
    }

    @Test
    void rejectsHeaderInjectionAndNonMailboxes() {
        assertThat(reasonFor("jane@example.com\r\nBcc: x@example.com", null)).isEqualTo("invalid-recipient-address");
        assertThat(reasonFor("jane@example.com", "Jane\nBcc: x@example.com")).isEqualTo("invalid-recipient-address");
        assertThat(reasonFor("jane@example.com, x@example.com", null)).isEqualTo("invalid-recipient-address");
        assertThat(reasonFor("Jane <jane@example.com>", null)).isEqualTo("invalid-recipient-address");
        assertThat(reasonFor("group: a@example.com;", null)).isEqualTo("invalid-recipient-address");
        assertThat(reasonFor("root@localhost", null)).isEqualTo("invalid-recipient-address");
        assertThat(reasonFor("a".repeat(250) + "@example.com", null)).isEqualTo("invalid-recipient-address");
        assertThat(reasonFor(null, null)).isEqualTo("recipient-address-missing");
    }

    @Test
    void rejectionNeverQuotesTheAddress() {
        var e = catchThrowableOfType(PermanentFailureException.class, () -> AddressValidator.parse("jane@@example.com", null));
        assertThat(e.getMessage()).doesNotContain("jane");
    }
}
