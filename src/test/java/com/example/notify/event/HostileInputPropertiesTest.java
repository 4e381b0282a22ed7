package com.example.notify.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.failure.InvalidEventException;
import com.example.notify.failure.Masking;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Property-based: generated and mutated events, raw bytes and headers through the validator, and generated text
 * through the masks. Each input ends in a terminal answer (an event or an {@link InvalidEventException}), no other
 * exception escapes, an accepted event carries no control character in a typed field, and no generated address
 * survives masking. A fixed seed runs in mvn verify (surefire picks up *Test; default tries: src/test/resources/junit-platform.properties);
 * a longer run: {@code mvn -o test -Dtest=HostileInputPropertiesTest -Djqwik.tries.default=20000}.
 */
class HostileInputPropertiesTest {

    private static final String TEMPLATE = """
            {"specversion":"1.0","id":"%s","source":"%s","type":"%s",
             "data":{"recipient":{"contactId":"%s","email":"%s","name":"%s"},"channels":["%s"],
                     "template":"%s","locale":"%s","params":{"%s":"%s"}}}""";

    private final EventValidator validator = new EventValidator();

    /** Strings with the characters that hurt: controls, line separators, quotes, at-signs, long runs. */
    @Provide
    Arbitrary<String> hostile() {
        Arbitrary<Character> nasty = Arbitraries.of('\n', '\r', '\u0085', '\u2028', '\u2029', '\u0000', '\u007f', '"', '\\',
                '@', '.', '[', ']', '%', '<', '>', ',', ';', ' ', 'a', 'Z', '0', '-', '_', '/', '\u00e9', '\uFF20');
        Arbitrary<String> mixed = Arbitraries.strings().withChars(nasty.sample()).ofMinLength(0).ofMaxLength(40)
                .injectDuplicates(0.2);
        Arbitrary<String> run = Arbitraries.of("a", "a.", "a@", "@", "-", "\\n").flatMap(unit ->
                Arbitraries.integers().between(1, 3000).map(unit::repeat));
        return Arbitraries.oneOf(mixed, run, Arbitraries.strings().ofMaxLength(60), nasty.map(String::valueOf));
    }

    @Property(seed = "42")
    void anyFieldValueEndsInAnEventOrAClearRejection(@ForAll("hostile") String value, @ForAll @IntRange(min = 0, max = 9) int field) {
        String[] fields = {"e-1", "/billing", "com.example.invoice.due", "c-42", "a@example.com", "Jane", "email",
                "invoice-due", "de-AT", "amount"};
        String[] args = new String[11];
        for (int i = 0; i < 10; i++) {
            args[i] = json(i == field ? value : fields[i]);
        }
        args[10] = json(field == 9 ? "12.00" : value); // the param value gets the hostile string when no field does
        String event = TEMPLATE.formatted((Object[]) args);
        terminal(event.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    @Property(seed = "42")
    void mutatedBytesEndInAnEventOrAClearRejection(@ForAll @IntRange(min = 0, max = 400) int position,
                                                     @ForAll byte replacement, @ForAll @IntRange(min = 0, max = 3) int kind) {
        byte[] valid = TEMPLATE.formatted("e-1", "/billing", "com.example.invoice.due", "c-42", "a@example.com", "Jane",
                "email", "invoice-due", "de-AT", "amount", "12.00").getBytes(StandardCharsets.UTF_8);
        int at = Math.min(position, valid.length - 1);
        byte[] mutated = switch (kind) {
            case 0 -> { byte[] m = valid.clone(); m[at] = replacement; yield m; }
            case 1 -> java.util.Arrays.copyOf(valid, at);
            case 2 -> { byte[] m = new byte[valid.length + 1]; System.arraycopy(valid, 0, m, 0, at); m[at] = replacement;
                        System.arraycopy(valid, at, m, at + 1, valid.length - at); yield m; }
            default -> { byte[] m = valid.clone(); m[at] = m[valid.length - 1 - at]; m[valid.length - 1 - at] = valid[at]; yield m; }
        };
        terminal(mutated, Map.of());
    }

    @Property(seed = "42")
    void binaryModeHeadersEndInAnEventOrAClearRejection(@ForAll("hostile") String value, @ForAll @IntRange(min = 0, max = 3) int header) {
        String[] names = {"ce_id", "ce_source", "ce_type", "ce_subject"};
        Map<String, Object> headers = new java.util.HashMap<>(Map.of("ce_specversion", "1.0", "ce_id", "b-1",
                "ce_source", "/accounts", "ce_type", "com.example.account.created"));
        headers.put(names[header], value.getBytes(StandardCharsets.UTF_8));
        terminal("{\"recipient\":{\"contactId\":\"c-1\"},\"channels\":[\"email\"],\"template\":\"welcome\"}"
                .getBytes(StandardCharsets.UTF_8), headers);
    }

    @Provide
    Arbitrary<String> localParts() {
        return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789._+-'\u00e9\u00f6\u7528").ofMinLength(2).ofMaxLength(64)
                .filter(s -> s.chars().anyMatch(Character::isLetterOrDigit));
    }

    @Property(seed = "42")
    void noGeneratedAddressSurvivesMasking(@ForAll("localParts") String local, @ForAll @IntRange(min = 0, max = 4) int shape,
                                           @ForAll("hostile") String around) {
        String at = switch (shape) {
            case 0 -> local + "@example.com";
            case 1 -> local + "%40example.com";
            case 2 -> "\"" + local + " x\"@example.com";
            case 3 -> local + "@[10.0.0." + local.length() + "]";
            default -> local + "@b\u00fccher.de";
        };
        String text = around + " <" + at + "> " + around;
        String masked = Masking.mask(text);
        // the local part past its first character must be gone (first character kept for diagnosis)
        assertThat(masked).as(text).doesNotContain(at);
        if (local.length() > 3) {
            assertThat(masked).as(text).doesNotContain(local.substring(1) + "@").doesNotContain(local.substring(1) + "%40");
        }
    }

    @Property(seed = "42")
    void addressChecksReadEachCharacterAFewTimesAtMost(@ForAll("hostile") String value) {
        HostileEventTest.CountingChars counted = new HostileEventTest.CountingChars(value);
        EmailSyntax.isValid(counted, true);
        EmailSyntax.isPlausible(counted);
        assertThat(counted.reads).isLessThanOrEqualTo(4L * value.length());
    }

    /** Slowest single validation seen, printed after the run (a figure for the report, never asserted). */
    private static final java.util.concurrent.atomic.AtomicLong SLOWEST_NANOS = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong VALIDATIONS = new java.util.concurrent.atomic.AtomicLong();

    @net.jqwik.api.lifecycle.AfterContainer
    static void printFigures() {
        System.out.printf("HostileInputPropertiesTest: %d validations, slowest %.2f ms%n", VALIDATIONS.get(),
                SLOWEST_NANOS.get() / 1e6);
    }

    private void terminal(byte[] value, Map<String, Object> headers) {
        NotificationEvent event;
        long started = System.nanoTime();
        try {
            event = validator.validate(value, headers);
        } catch (InvalidEventException expected) {
            record(started);
            assertThat(expected.reason()).isIn(InvalidEventException.MALFORMED_JSON, InvalidEventException.SCHEMA_VIOLATION,
                    InvalidEventException.PAYLOAD_TOO_LARGE);
            assertThat(expected.problems()).isNotEmpty();
            return;
        }
        record(started);
        for (String typed : new String[] {event.getId(), event.getSource(), event.getType(), event.getTemplate(),
                event.getLocale(), event.getRecipient().getContactId(), event.getRecipient().getEmail(),
                event.getRecipient().getName(), String.join(",", event.getChannels())}) {
            if (typed != null) {
                assertThat(ControlCharacters.firstBad(typed, true)).as("accepted value with a control character").isNegative();
            }
        }
    }

    private static void record(long started) {
        long took = System.nanoTime() - started;
        VALIDATIONS.incrementAndGet();
        SLOWEST_NANOS.accumulateAndGet(took, Math::max);
    }

    private static String json(String text) {
        String quoted = com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text) == null ? ""
                : new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text));
        return quoted;
    }
}
