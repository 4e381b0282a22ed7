package com.example.notify.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.example.notify.failure.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CloudEvents extension attributes are bounded before the schema runs (at most 32; names up to 20 characters,
 * values up to 256), in structured and binary mode: each one becomes a header or log line downstream, and the
 * schema had no bound on their number.
 */
class ExtensionAttributesTest {

    private final EventValidator validator = new EventValidator();

    private static String structured(String extensions) {
        return "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"/billing\",\"type\":\"com.example.invoice.due\","
                + extensions + "\"data\":{\"recipient\":{\"contactId\":\"c-42\"},\"channels\":[\"email\"],"
                + "\"template\":\"invoice-due\"}}";
    }

    private static String extensions(int count) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            out.append("\"ext").append(i).append("\":\"v").append(i).append("\",");
        }
        return out.toString();
    }

    private InvalidEventException rejected(String json, Map<String, Object> headers) {
        return catchThrowableOfType(InvalidEventException.class,
                () -> validator.validate(json.getBytes(StandardCharsets.UTF_8), headers));
    }

    @Test
    void thirtyTwoExtensionsAreAccepted() {
        assertThat(validator.validate(structured(extensions(32)).getBytes(StandardCharsets.UTF_8), Map.of()).getId())
                .isEqualTo("e-1");
    }

    @Test
    void moreThanThirtyTwoAreRejectedWithTheirCount() {
        InvalidEventException e = rejected(structured(extensions(33)), Map.of());
        assertThat(e.reason()).isEqualTo(InvalidEventException.SCHEMA_VIOLATION);
        assertThat(e.problems()).containsExactly("$: 33 extension attributes, at most 32");

        InvalidEventException many = rejected(structured(extensions(3000)), Map.of());
        assertThat(many.problems()).as("one problem, not one per attribute").containsExactly("$: 3000 extension attributes, at most 32");
    }

    @Test
    void binaryModeHeadersCountToo() {
        Map<String, Object> headers = new HashMap<>(Map.of("ce_specversion", "1.0", "ce_id", "b-1",
                "ce_source", "/accounts", "ce_type", "com.example.account.created"));
        for (int i = 0; i < 40; i++) {
            headers.put("ce_ext" + i, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        InvalidEventException e = rejected("{\"recipient\":{\"contactId\":\"c-1\"},\"channels\":[\"email\"],\"template\":\"welcome\"}",
                headers);
        assertThat(e.problems()).containsExactly("$: 40 extension attributes, at most 32");
    }

    @Test
    void overLongNamesAndValuesAreNamedWithoutPrintingTheName() {
        String longName = "x".repeat(5000);
        InvalidEventException name = rejected(structured("\"" + longName + "\":\"v\","), Map.of());
        assertThat(name.problems()).contains("$.<extension>: extension attribute name has 5000 characters, at most 20");
        assertThat(String.join("\n", name.problems())).doesNotContain(longName);

        InvalidEventException value = rejected(structured("\"note\":\"" + "v".repeat(257) + "\","), Map.of());
        assertThat(value.problems()).contains("$.note: extension attribute value has 257 characters, at most 256");
        assertThat(validator.validate(structured("\"note\":\"" + "v".repeat(256) + "\",").getBytes(StandardCharsets.UTF_8),
                Map.of()).getId()).isEqualTo("e-1");
    }
}
