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
    void addressLiteralsQuotedLocalPartsAndUnicodeDomainsArePermanentlyInvalid() {
        for (String bad : new String[] {"user@[10.0.0.5]", "user@[IPv6:2001:db8::1]", "\"a b\"@example.com",
                "a@b\u00fccher.de", "a@example.c\u2028", "a\u0085@example.com", "a..b@example.com", "a@10.0.0.5"}) {
            assertThat(reasonFor(bad, null)).as(bad).isEqualTo("invalid-recipient-address");
        }
        assertThat(AddressValidator.parse("a@xn--bcher-kva.de", null).getAddress()).isEqualTo("a@xn--bcher-kva.de");
    }

    @Test
    void internationalisedLocalPartOnlyWhenAllowed() {
        assertThat(reasonFor("j\u00f6rg@example.com", null)).isEqualTo("invalid-recipient-address");
        assertThat(AddressValidator.parse("j\u00f6rg@example.com", null, true).getAddress()).isEqualTo("j\u00f6rg@example.com");
    }

    @Test
    void rejectionNeverQuotesTheAddress() {
        var e = catchThrowableOfType(PermanentFailureException.class, () -> AddressValidator.parse("jane@@example.com", null));
        assertThat(e.getMessage()).doesNotContain("jane");
    }
}
