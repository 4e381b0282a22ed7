package com.example.notify.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.example.notify.failure.InvalidEventException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Lists and maps far above the schema's limits (found by the V1 benchmark, bench/run --only V1): the schema library
 * took 62 ms on a 64 KiB list of distinct channels and grew super-linearly; the validator cuts such lists to one
 * above the limit before the schema runs. The rejection stays the schema's own; that the time no longer grows is
 * V1's to show (bench/run --only V1: every generator linear, under 10 ms CPU at the maximum size).
 */
class SchemaBoundsTest {

    private final EventValidator validator = new EventValidator();

    private static String event(String channels, String params) {
        return "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"/billing\",\"type\":\"com.example.invoice.due\","
                + "\"data\":{\"recipient\":{\"contactId\":\"c-42\"},\"channels\":" + channels
                + ",\"template\":\"invoice-due\",\"params\":" + params + "}}";
    }

    private static String channels(int count) {
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            list.append(i == 0 ? "" : ",").append("\"c").append(i).append('"');
        }
        return list.append(']').toString();
    }

    private static String params(int count) {
        StringBuilder map = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            map.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        return map.append('}').toString();
    }

    private InvalidEventException rejected(String json) {
        InvalidEventException e = catchThrowableOfType(InvalidEventException.class,
                () -> validator.validate(json.getBytes(StandardCharsets.UTF_8), Map.of()));
        assertThat(e).as("rejected").isNotNull();
        return e;
    }

    @Test
    void manyDistinctFieldNamesAndADuplicateAtTheEndAreMalformed() {
        // 7,000 distinct names and a duplicate at the end, 64 KiB: Jackson's name canonicalization took 15 ms CPU here
        // before the validator stopped interning field names; its time is V1's ("wide params", "duplicate keys at the
        // end"), a benchmark run against the bound, not a timed unit test on a shared machine
        StringBuilder params = new StringBuilder("{");
        for (int i = 0; params.length() < 64_000; i++) {
            params.append("\"k").append(i).append("\":1,");
        }
        String json = event(channels(1), params.append("\"k0\":2}").toString());
        assertThat(json.length()).isLessThan(65536);
        assertThat(rejected(json).reason()).isEqualTo(InvalidEventException.MALFORMED_JSON);
    }

    @Test
    void limitsAreTheSchemas() throws Exception {
        try (InputStream in = EventValidator.class.getResourceAsStream(EventValidator.SCHEMA_RESOURCE)) {
            JsonNode data = new ObjectMapper().readTree(in).path("$defs").path("data").path("properties");
            assertThat(data.path("channels").path("maxItems").asInt()).isEqualTo(EventValidator.MAX_CHANNELS);
            assertThat(data.path("params").path("maxProperties").asInt()).isEqualTo(EventValidator.MAX_PARAMS);
        }
    }

    @Test
    void atTheLimitsAnEventIsAcceptedOneAboveItIsTheSchemasViolation() {
        NotificationEvent ok = validator.validate(event(channels(8), params(50)).getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(ok.getChannels()).hasSize(8);
        assertThat(ok.getParams()).hasSize(50);
        assertThat(rejected(event(channels(9), params(1))).problems()).containsExactly("$.data.channels: must have at most 8 items but found 9");
        assertThat(rejected(event(channels(1), params(51))).problems())
                .containsExactly("$.data.params: must have at most 50 properties");
    }

    @Test
    void aHugeListOrMapIsRejectedAsTheSchemaWould() {
        String manyChannels = event(channels(7_000), params(1));
        String manyParams = event(channels(1), params(5_000));
        assertThat(manyChannels.length()).isLessThan(65536);
        assertThat(manyParams.length()).isLessThan(65536);
        InvalidEventException channels = rejected(manyChannels);
        assertThat(channels.reason()).isEqualTo(InvalidEventException.SCHEMA_VIOLATION);
        assertThat(channels.problems()).as("the size sent, not the cut one")
                .containsExactly("$.data.channels: must have at most 8 items but found 7000");
        assertThat(rejected(manyParams).problems()).containsExactly("$.data.params: must have at most 50 properties");
    }
}
