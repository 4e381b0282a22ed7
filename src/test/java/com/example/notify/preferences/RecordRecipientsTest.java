package com.example.notify.preferences;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordRecipientsTest {

    static final RecordRecipients.Person ANN = new RecordRecipients.Person(" Ann@Example.com ", null);
    static final RecordRecipients.Person C1 = new RecordRecipients.Person(null, "c-1");

    static byte[] b(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void findsTheAddressInAnyFieldOfAnyShapeTheBundleWrites() {
        String event = """
                {"id":"e1","data":{"recipient":{"email":"ann@example.COM"},"channels":["email"]}}""";
        assertThat(RecordRecipients.concerns(ANN, b("k"), b(event), Map.of())).isTrue();
        // a delivery record of a contact-id event: the address is only in the contact header
        String contactEvent = """
                {"id":"e2","data":{"recipient":{"contactId":"c-1"}}}""";
        Map<String, byte[]> contact = Map.of("notify-contact", b("""
                {"id":"c-1","email":"ann@example.com","name":"Ann","optOut":{"channels":[],"types":[]}}"""));
        assertThat(RecordRecipients.concerns(ANN, null, b(contactEvent), contact)).isTrue();
        assertThat(RecordRecipients.concerns(C1, null, b(contactEvent), Map.of())).isTrue();
        assertThat(RecordRecipients.addresses(b(contactEvent), contact.get("notify-contact"))).containsExactly("ann@example.com");
        // keys: the address, its recipient key, a dead-letter stub's hashed key
        assertThat(RecordRecipients.concerns(ANN, b("ann@example.com"), null, Map.of())).isTrue();
        assertThat(RecordRecipients.concerns(ANN, b("address:" + RecipientKeys.addressHash("ann@example.com")), null, Map.of())).isTrue();
        assertThat(RecordRecipients.concerns(C1, b("sha256:" + RecipientKeys.sha256Hex("contact:c-1")), null, Map.of())).isTrue();
        // a list-scoped one-click unsubscribe (its value names only the list): found by its key, so erasure removes it
        assertThat(RecordRecipients.concerns(ANN, b(RecipientKeys.addressHash("ann@example.com") + ":com.example.newsletter"),
                b("{\"reason\":\"unsubscribe\",\"list\":\"com.example.newsletter\"}"), Map.of())).isTrue();
        assertThat(RecordRecipients.concerns(new RecordRecipients.Person("bob@example.com", null),
                b(RecipientKeys.addressHash("ann@example.com") + ":com.example.newsletter"), null, Map.of())).isFalse();
        // a dead-letter stub: the first bytes of the record, no longer valid JSON
        assertThat(RecordRecipients.concerns(ANN, b("k"), b(event.substring(0, event.length() - 8)), Map.of())).isTrue();
        // a binary-mode event: the value is the data alone
        assertThat(RecordRecipients.addresses(b("{\"recipient\":{\"email\":\"Ann@example.com\"}}"), null)).containsExactly("ann@example.com");
        // a plain-text header
        assertThat(RecordRecipients.concerns(ANN, null, b("not json"), Map.of("x", b("ANN@example.com")))).isTrue();
    }

    @Test
    void someoneElseIsNotMatchedNorIsAnIdInAnUnrelatedField() {
        String other = """
                {"id":"c-1","data":{"recipient":{"email":"annabel@example.com","contactId":"c-10"},"note":"ann@example.com is cc"}}""";
        assertThat(RecordRecipients.concerns(ANN, b("k"), b(other), Map.of())).isFalse();
        assertThat(RecordRecipients.concerns(C1, b("contact:c-10"), b(other), Map.of())).as("an event id equal to the contact id").isFalse();
        assertThat(RecordRecipients.concerns(ANN, null, b("{broken"), Map.of())).isFalse();
    }

    @Test
    void aDeeplyNestedRecordIsWalkedWithoutRecursion() {
        String deep = "[".repeat(100_000) + "\"ann@example.com\"" + "]".repeat(100_000);
        // Jackson refuses nesting beyond its limit: the record is then read as text, where the address is found;
        // nothing throws
        assertThat(RecordRecipients.concerns(ANN, null, b(deep), Map.of())).isTrue();
        assertThat(RecordRecipients.concerns(C1, null, b(deep), Map.of())).isFalse();
        String nested = "{\"a\":".repeat(500) + "\"ann@example.com\"" + "}".repeat(500);
        assertThat(RecordRecipients.concerns(ANN, null, b(nested), Map.of())).isTrue();
    }
}
