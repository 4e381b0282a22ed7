package com.example.notify.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.example.notify.failure.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventValidatorTest {

    private final EventValidator validator = new EventValidator();

    private static final String VALID = """
            {"specversion":"1.0","id":"e-1","source":"/billing","type":"com.example.invoice.due",
             "time":"2026-11-22T10:00:00Z","datacontenttype":"application/json","traceparent":"00-abc",
             "data":{"recipient":{"contactId":"c-42","name":"Jane"},"channels":["email","pardot"],
                     "template":"invoice-due","locale":"de-AT","params":{"amount":"12.00","count":3},
                     "priority":"high","extra":{"kept":true}}}""";

    private NotificationEvent validate(String json) {
        return validator.validate(json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private InvalidEventException rejected(String json) {
        return catchThrowableOfType(InvalidEventException.class, () -> validate(json));
    }

    private static String withData(String dataFields) {
        return """
                {"specversion":"1.0","id":"e-1","source":"/billing","type":"t","data":{%s}}""".formatted(dataFields);
    }

    @Test
    void acceptsStructuredEventAndExposesItsParts() {
        NotificationEvent event = validate(VALID);
        assertThat(event.getId()).isEqualTo("e-1");
        assertThat(event.getSource()).isEqualTo("/billing");
        assertThat(event.getChannels()).containsExactly("email", "pardot");
        assertThat(event.getRecipient().getContactId()).isEqualTo("c-42");
        assertThat(event.getLocale()).isEqualTo("de-AT");
        assertThat(event.getParams()).containsEntry("amount", "12.00").containsEntry("count", "3");
        assertThat(event.getPriority()).isEqualTo("high");
        assertThat(event.getTime()).isNotNull();
        assertThat(event.getData().path("extra").path("kept").asBoolean()).isTrue();
        assertThat(event.getDedupeKey()).isNotEqualTo(validate(VALID.replace("/billing", "/other")).getDedupeKey());
    }

    @Test
    void defaultsPriorityToNormal() {
        assertThat(validate(withData("\"recipient\":{\"email\":\"a@example.com\"},\"channels\":[\"email\"],\"template\":\"w\""))
                .getPriority()).isEqualTo("normal");
    }

    @Test
    void acceptsBinaryModeFromCeHeaders() {
        Map<String, Object> headers = new HashMap<>();
        headers.put("ce_specversion", "1.0".getBytes());
        headers.put("ce_id", "b-1".getBytes());
        headers.put("ce_source", "/accounts".getBytes());
        headers.put("ce_type", "com.example.account.created");
        headers.put("content-type", "application/json".getBytes());
        NotificationEvent event = validator.validate(
                "{\"recipient\":{\"contactId\":\"c-1\"},\"channels\":[\"pardot\"],\"template\":\"welcome\"}".getBytes(), headers);
        assertThat(event.getId()).isEqualTo("b-1");
        assertThat(event.getType()).isEqualTo("com.example.account.created");
        assertThat(event.getChannels()).containsExactly("pardot");
    }

    @Test
    void bothModesReadTheSameEnvelopeThroughTheSdk() {
        String data = "{\"recipient\":{\"contactId\":\"c-1\"},\"channels\":[\"pardot\"],\"template\":\"welcome\"}";
        NotificationEvent structured = validate("""
                {"specversion":"1.0","id":"s-1","source":"urn:accounts","type":"com.example.account.created",
                 "subject":"acct-7","time":"2026-11-22T10:00:00+01:00","deliverat":"2026-11-22T12:00:00Z",
                 "count":3,"flag":true,"data":%s}""".formatted(data));
        Map<String, Object> headers = new HashMap<>();
        headers.put("ce_specversion", "1.0".getBytes());
        headers.put("ce_id", "s-1".getBytes());
        headers.put("ce_source", "urn:accounts".getBytes());
        headers.put("ce_type", "com.example.account.created".getBytes());
        headers.put("ce_subject", "acct-7".getBytes());
        headers.put("ce_time", "2026-11-22T10:00:00+01:00".getBytes());
        headers.put("ce_deliverat", "2026-11-22T12:00:00Z".getBytes());
        headers.put("ce_count", "3".getBytes());
        headers.put("kafka.KEY", "not an attribute");
        validator.setClock(java.time.Clock.fixed(java.time.Instant.parse("2026-11-22T08:00:00Z"), java.time.ZoneOffset.UTC));
        NotificationEvent binary = validator.validate(data.getBytes(StandardCharsets.UTF_8), headers);

        for (NotificationEvent event : new NotificationEvent[] {structured, binary}) {
            assertThat(event.getId()).isEqualTo("s-1");
            assertThat(event.getSource()).isEqualTo("urn:accounts");
            assertThat(event.getType()).isEqualTo("com.example.account.created");
            assertThat(event.getSubject()).isEqualTo("acct-7");
            assertThat(event.getTime()).isEqualTo(java.time.OffsetDateTime.parse("2026-11-22T10:00:00+01:00"));
            assertThat(event.getDeliverAt()).isEqualTo(java.time.OffsetDateTime.parse("2026-11-22T12:00:00Z"));
            assertThat(event.getChannels()).containsExactly("pardot");
            assertThat(event.getTemplate()).isEqualTo("welcome");
        }
    }

    @Test
    void binaryModeWithoutRequiredAttributeNamesIt() {
        InvalidEventException e = catchThrowableOfType(InvalidEventException.class, () -> validator.validate(
                "{\"recipient\":{\"contactId\":\"c-1\"},\"channels\":[\"pardot\"],\"template\":\"w\"}".getBytes(),
                Map.of("ce_specversion", "1.0", "ce_id", "x", "ce_type", "t")));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("source"));
    }

    @Test
    void malformedJsonSaysWhere() {
        InvalidEventException e = rejected("{\"specversion\":\"1.0\",\n \"id\": }");
        assertThat(e.reason()).isEqualTo(InvalidEventException.MALFORMED_JSON);
        assertThat(e.problems().get(0)).contains("line 2");
    }

    @Test
    void trailingGarbageAndDuplicateKeysAreMalformed() {
        assertThat(rejected(VALID + " {}").reason()).isEqualTo(InvalidEventException.MALFORMED_JSON);
        assertThat(rejected(VALID.replace("\"id\":\"e-1\"", "\"id\":\"e-1\",\"id\":\"e-2\"")).reason())
                .isEqualTo(InvalidEventException.MALFORMED_JSON);
    }

    @Test
    void emptyRecordAndNonObjectAreRejected() {
        assertThat(catchThrowableOfType(InvalidEventException.class, () -> validator.validate(new byte[0], Map.of())).reason())
                .isEqualTo(InvalidEventException.MALFORMED_JSON);
        assertThat(rejected("[1,2]").problems()).containsExactly("$: must be a JSON object (a CloudEvent), found array");
    }

    @Test
    void oversizedPayloadIsRejectedBeforeParsing() {
        validator.setMaxBytes(100);
        InvalidEventException e = rejected(VALID);
        assertThat(e.reason()).isEqualTo(InvalidEventException.PAYLOAD_TOO_LARGE);
        assertThat(e.problems().get(0)).contains("limit is 100");
    }

    @Test
    void deliveratSchedulesTheEventWithinTheMaximumAheadInEitherMode() {
        // formatted, not toString(): that drops ":00" seconds, which RFC 3339 refuses (the test failed once a minute)
        String at = java.time.OffsetDateTime.now(java.time.ZoneOffset.ofHours(-5)).plusDays(2).withNano(0)
                .format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        NotificationEvent scheduled = validate(VALID.replace("\"time\"", "\"deliverat\":\"" + at + "\",\"time\""));
        assertThat(scheduled.getDeliverAt()).isEqualTo(java.time.OffsetDateTime.parse(at));
        assertThat(validate(VALID).getDeliverAt()).as("none: at once").isNull();
        // kept when the contact is joined in
        assertThat(scheduled.withContact(new com.example.notify.event.Contact("c-42", "jane@example.com", "Jane", "de", java.util.Set.of(), java.util.Set.of(), Map.of()))
                .getDeliverAt()).isEqualTo(scheduled.getDeliverAt());

        Map<String, Object> headers = new java.util.HashMap<>();
        headers.put("ce_specversion", "1.0".getBytes());
        headers.put("ce_id", "b-1".getBytes());
        headers.put("ce_source", "/accounts".getBytes());
        headers.put("ce_type", "com.example.account.created");
        headers.put("ce_deliverat", at.getBytes());
        NotificationEvent binary = validator.validate("""
                {"recipient":{"contactId":"c-1"},"channels":["email"],"template":"welcome"}""".getBytes(StandardCharsets.UTF_8), headers);
        assertThat(binary.getDeliverAt()).isEqualTo(java.time.OffsetDateTime.parse(at));

        assertThat(rejected(VALID.replace("\"time\"", "\"deliverat\":\"tomorrow 9am\",\"time\"")).problems())
                .anyMatch(p -> p.startsWith("$.deliverat"));
        String tooFar = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).plusDays(31)
                .format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        assertThat(rejected(VALID.replace("\"time\"", "\"deliverat\":\"" + tooFar + "\",\"time\"")).problems())
                .containsExactly("$.deliverat: more than PT720H ahead (notify.schedule.max-ahead)");
    }

    @Test
    void everyFieldAtFaultIsNamed() {
        InvalidEventException e = rejected("""
                {"specversion":"0.3","id":"","source":"/billing","type":"t","time":"yesterday",
                 "data":{"recipient":{},"channels":["email","email"],"template":"Invoice Due!","priority":"urgent"}}""");
        assertThat(e.reason()).isEqualTo(InvalidEventException.SCHEMA_VIOLATION);
        assertThat(String.join("\n", e.problems()))
                .contains("$.specversion")
                .contains("$.id")
                .contains("$.time")
                .contains("$.data.recipient")
                .contains("$.data.channels")
                .contains("$.data.template")
                .contains("$.data.priority");
    }

    @Test
    void limitsOnChannelsStringsAndParamsAreEnforced() {
        String nineChannels = "\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"";
        assertThat(rejected(withData("\"recipient\":{\"contactId\":\"c\"},\"channels\":[" + nineChannels + "],\"template\":\"w\""))
                .problems()).anySatisfy(p -> assertThat(p).startsWith("$.data.channels"));
        assertThat(rejected(VALID.replace("\"e-1\"", "\"" + "x".repeat(129) + "\"")).problems())
                .anySatisfy(p -> assertThat(p).startsWith("$.id"));
        StringBuilder params = new StringBuilder();
        for (int i = 0; i < 51; i++) {
            params.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":\"v\"");
        }
        assertThat(rejected(withData("\"recipient\":{\"contactId\":\"c\"},\"channels\":[\"email\"],\"template\":\"w\",\"params\":{" + params + "}"))
                .problems()).anySatisfy(p -> assertThat(p).startsWith("$.data.params"));
        assertThat(rejected(withData("\"recipient\":{\"contactId\":\"c\"},\"channels\":[\"email\"],\"template\":\"w\",\"params\":{\"a\":{\"nested\":1}}"))
                .problems()).anySatisfy(p -> assertThat(p).startsWith("$.data.params.a"));
    }

    @Test
    void headerInjectionInRecipientIsRejected() {
        assertThat(rejected(withData("\"recipient\":{\"email\":\"a@example.com\\r\\nBcc: b@example.com\"},\"channels\":[\"email\"],\"template\":\"w\""))
                .problems()).anySatisfy(p -> assertThat(p).startsWith("$.data.recipient.email"));
        assertThat(rejected(withData("\"recipient\":{\"email\":\"a@example.com\",\"name\":\"Jane\\nBcc: x\"},\"channels\":[\"email\"],\"template\":\"w\""))
                .problems()).anySatisfy(p -> assertThat(p).startsWith("$.data.recipient.name"));
    }

    @Test
    void problemsNeverQuoteTheAddress() {
        InvalidEventException e = rejected(withData("\"recipient\":{\"email\":\"jane.doe@@example.com\"},\"channels\":[\"email\"],\"template\":\"w\""));
        assertThat(e.getMessage()).doesNotContain("jane.doe");
    }
}
