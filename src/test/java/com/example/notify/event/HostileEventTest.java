package com.example.notify.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.example.notify.failure.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Inputs a hostile or careless producer sends: every one ends in a clear rejection, none slips through. */
class HostileEventTest {

    private final EventValidator validator = new EventValidator();

    private static String event(String type, String recipient, String channels) {
        return """
                {"specversion":"1.0","id":"e-1","source":"/billing","type":%s,
                 "data":{"recipient":%s,"channels":%s,"template":"invoice-due","params":{"note":"line 1\\nline 2"}}}"""
                .formatted(type, recipient, channels);
    }

    private InvalidEventException rejected(String json, int maxBytes) {
        validator.setMaxBytes(maxBytes);
        InvalidEventException e = catchThrowableOfType(InvalidEventException.class,
                () -> validator.validate(json.getBytes(StandardCharsets.UTF_8), Map.of()));
        assertThat(e).as("rejected").isNotNull();
        return e;
    }

    @Test
    void multiLineTemplateParameterStaysAccepted() {
        NotificationEvent ok = validator.validate(event("\"com.example.invoice.due\"", "{\"contactId\":\"c-42\"}", "[\"email\"]")
                .getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(ok.getParams()).containsEntry("note", "line 1\nline 2");
    }

    @Test
    void trailingLineTerminatorsNeverPassAnchoredPatterns() {
        for (String end : List.of("\\n", "\\r", "\\r\\n", "\\u0085", "\\u2028", "\\u2029", "\\u0000")) {
            InvalidEventException e = rejected(event("\"com.example.invoice.due" + end + "\"", "{\"contactId\":\"c-42\"}", "[\"email\"]"), 65536);
            assertThat(e.reason()).isEqualTo(InvalidEventException.SCHEMA_VIOLATION);
            assertThat(e.problems()).as(end).anySatisfy(p -> assertThat(p).startsWith("$.type: contains control character"));
            for (String field : List.of("\"contactId\":\"c-42" + end + "\"", "\"email\":\"a@example.com" + end + "\"")) {
                assertThat(rejected(event("\"t\"", "{" + field + "}", "[\"email\"]"), 65536).problems()).as(field)
                        .anySatisfy(p -> assertThat(p).startsWith("$.data.recipient."));
            }
            assertThat(rejected(event("\"t\"", "{\"contactId\":\"c\"}", "[\"email" + end + "\"]"), 65536).problems())
                    .anySatisfy(p -> assertThat(p).startsWith("$.data.channels[0]"));
        }
    }

    @Test
    void anEmptyPropertyNameIsASchemaViolationNotACrash() {
        // the schema library threw IllegalArgumentException on it: a transient-looking failure (503 at the HTTP
        // ingest, redeliveries at the consumer) for what is the producer's fault
        String json = event("\"t\"", "{\"contactId\":\"c\"}", "[\"email\"]").replace("\"note\"", "\"\"");
        assertThat(rejected(json, 65536).problems()).anySatisfy(p -> assertThat(p).startsWith("$.data.params.<key>"));
    }

    @Test
    void binaryModeHeaderWithLineBreakIsRejected() {
        InvalidEventException e = catchThrowableOfType(InvalidEventException.class, () -> validator.validate(
                "{\"recipient\":{\"contactId\":\"c-1\"},\"channels\":[\"email\"],\"template\":\"w\"}".getBytes(),
                Map.of("ce_specversion", "1.0", "ce_id", "x", "ce_source", "/s", "ce_type", "t\n")));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("$.type"));
    }

    @Test
    void channelsOtherThanAnArrayOfNamesAreASchemaViolation() {
        for (String channels : List.of("\"email\"", "{\"0\":\"email\"}", "42", "[[\"email\"]]", "[\"email\",1]", "[]", "null")) {
            InvalidEventException e = rejected(event("\"t\"", "{\"contactId\":\"c\"}", channels), 65536);
            assertThat(e.reason()).as(channels).isEqualTo(InvalidEventException.SCHEMA_VIOLATION);
            assertThat(e.problems()).as(channels).anySatisfy(p -> assertThat(p).startsWith("$.data.channels"));
        }
    }

    @Test
    void mailboxShapeAtIngestThePolicyIsAppliedAtDelivery() {
        for (String bad : List.of("a@@example.com", "@example.com", "a@", "a b@example.com", "a@example.com,b@example.com",
                "Jane <a@example.com>", "x".repeat(65) + "@example.com", "a@" + "b".repeat(254))) {
            assertThat(rejected(event("\"t\"", "{\"email\":\"" + bad + "\"}", "[\"email\"]"), 65536).problems()).as(bad)
                    .anySatisfy(p -> assertThat(p).startsWith("$.data.recipient.email"));
        }
        // refused at delivery as invalid-recipient-address (AddressValidatorTest), not for the whole event here
        for (String deliveryDecides : List.of("user@[10.0.0.5]", "a@b\u00fccher.de", "root@localhost", "j\u00f6rg@example.com")) {
            validator.validate(event("\"t\"", "{\"email\":\"" + deliveryDecides + "\"}", "[\"email\"]").getBytes(StandardCharsets.UTF_8), Map.of());
        }
    }

    /** A value far above every limit is refused by maxLength; the address check reads none of it. */
    @Test
    void hugeFieldsAreRejectedClearlyAndTheAddressCheckReadsNothingOfThem() {
        String megabyte = "a".repeat(1_000_000);
        List<String> hostile = List.of(
                event("\"t\"", "{\"email\":\"" + megabyte + "@example.com\"}", "[\"email\"]"),
                event("\"t\"", "{\"email\":\"" + "a.".repeat(60_000) + "@" + "b-".repeat(60_000) + "\"}", "[\"email\"]"),
                event("\"t\"", "{\"email\":\"" + "a@".repeat(60_000) + "\"}", "[\"email\"]"),
                event("\"" + megabyte + "\"", "{\"contactId\":\"c\"}", "[\"email\"]"),
                event("\"t\"", "{\"contactId\":\"" + megabyte + "\\n\"}", "[\"email\"]"),
                event("\"t\"", "{\"contactId\":\"c\"}", "[\"" + megabyte + "\"]"));
        for (String json : hostile) {
            InvalidEventException e = rejected(json, 4 * 1024 * 1024);
            assertThat(e.reason()).isEqualTo(InvalidEventException.SCHEMA_VIOLATION);
            assertThat(String.join("\n", e.problems())).as("no value quoted").doesNotContain("aaaa");
        }
        // the record limit comes first of all: nothing is parsed above notify.event.max-bytes
        assertThat(rejected(hostile.get(0), 65536).reason()).isEqualTo(InvalidEventException.PAYLOAD_TOO_LARGE);
    }

    @Test
    void addressCheckIsLinearOnAdversarialShapes() {
        for (String shape : List.of("a".repeat(250) + "@b", "a@b@c@d@".repeat(30), "a.".repeat(120) + "@x", "a@" + "b-".repeat(120),
                "a@" + "b.".repeat(125), "@".repeat(254), "a".repeat(64) + "@" + "b".repeat(63) + "." + "c".repeat(63))) {
            CountingChars counted = new CountingChars(shape);
            EmailSyntax.isValid(counted, true);
            assertThat(counted.reads).as(shape.substring(0, 10)).isLessThanOrEqualTo(3L * shape.length());
            CountingChars plausible = new CountingChars(shape);
            EmailSyntax.isPlausible(plausible);
            assertThat(plausible.reads).isLessThanOrEqualTo(shape.length());
        }
        CountingChars huge = new CountingChars("a".repeat(1_000_000));
        assertThat(EmailSyntax.isValid(huge, true)).isFalse();
        assertThat(EmailSyntax.isPlausible(huge)).isFalse();
        assertThat(huge.reads).as("nothing read beyond the length check").isZero();
    }

    /** A CharSequence that counts the characters read: linear work, asserted without a clock. */
    static final class CountingChars implements CharSequence {
        private final String text;
        long reads;

        CountingChars(String text) {
            this.text = text;
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public char charAt(int index) {
            reads++;
            return text.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            throw new UnsupportedOperationException("would hide reads");
        }

        @Override
        public String toString() {
            throw new UnsupportedOperationException("would hide reads");
        }
    }
}
