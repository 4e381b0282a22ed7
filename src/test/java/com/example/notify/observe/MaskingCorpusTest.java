package com.example.notify.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.failure.Masking;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/**
 * A corpus of address and secret shapes, each with the part that must not be seen in clear, logged through
 * {@link Masking} and every shipped layout (text, JSON), in the message and in a stack trace.
 */
class MaskingCorpusTest {

    /** shape, secret part that must disappear. */
    static final List<String[]> CORPUS = List.of(
            new String[] {"550 <jane.doe@example.com> unknown", "jane.doe"},
            new String[] {"to j\u00f6rg.m\u00fcller@b\u00fccher.de failed", "rg.m\u00fcller"},
            new String[] {"rcpt \u7528\u6237\u540d@\u4f8b\u5b50.\u5e7f\u544a refused", "\u7528\u6237\u540d"},
            new String[] {"literal user.secret@[10.0.0.5] sent", "user.secret"},
            new String[] {"literal v6 ops@[IPv6:2001:db8::1]", "IPv6:2001"},
            new String[] {"quoted \"john q. public\"@example.com here", "john q. public"},
            new String[] {"GET /unsubscribe?email=jane.doe%40example.com HTTP/1.1", "jane.doe"},
            new String[] {"twice encoded jane.doe%2540example.com", "jane.doe"},
            new String[] {"full width jane.doe\uFF20example.com", "jane.doe"},
            new String[] {"Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"},
            new String[] {"headers {Authorization=Basic dXNlcjpwYXNzd29yZA==, Accept=json}", "dXNlcjpwYXNzd29yZA"},
            new String[] {"sent with Basic dXNlcjpwYXNzd29yZA== header", "dXNlcjpwYXNzd29yZA"},
            new String[] {"Authorization: Bearer eyJhbGciOi.secret-token", "eyJhbGciOi"},
            new String[] {"POST https://hooks.slack.com/services/T0001/B0002/XXXXSECRETXXXX failed", "XXXXSECRETXXXX"},
            new String[] {"POST https://outlook.office.com/webhookb2/abc-123/IncomingWebhook/def/ghi?x=1 503", "IncomingWebhook/def"},
            new String[] {"connect https://user:p4ssw0rd@relay.example.com:465/x", "p4ssw0rd"},
            new String[] {"form client_secret=s3cr%26t%2B%3D&x=1", "s3cr"},
            new String[] {"{\"refresh_token\":\"rt-123456\"}", "rt-123456"},
            new String[] {"api-key: AKIAEXAMPLEKEY", "AKIAEXAMPLEKEY"});

    private static String layout(String appender, LogEvent event) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Layout<?> layout = context.getConfiguration().getAppender(appender).getLayout();
        return new String(layout.toByteArray(event), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void noShapeIsSeenInClearByMaskingOrAnyLayout() {
        for (String[] entry : CORPUS) {
            String text = entry[0];
            String secret = entry[1];
            assertThat(Masking.mask(text)).as(text).doesNotContain(secret);
            LogEvent event = Log4jLogEvent.newBuilder().setLoggerName("test").setLevel(Level.WARN)
                    .setMessage(new SimpleMessage(text)).setThrown(new IllegalStateException(text)).build();
            for (String appender : List.of("text", "json")) {
                String line = layout(appender, event);
                assertThat(line).as(appender + ": " + text).doesNotContain(secret);
                if (appender.equals("json")) {
                    // what a log shipper sees after decoding the escapes
                    com.fasterxml.jackson.databind.JsonNode json = readJson(line);
                    assertThat(json.path("message").asText() + json.path("error").asText()).as(text).doesNotContain(secret);
                }
            }
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode readJson(String line) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void harmlessTextStaysReadable() {
        assertThat(Masking.mask("Dead-lettered notifications.events-0@1 event=b3ea38ce reason=unknown-channel"))
                .isEqualTo("Dead-lettered notifications.events-0@1 event=b3ea38ce reason=unknown-channel");
        assertThat(Masking.mask("550 <jane.doe@example.com>.")).isEqualTo("550 <j***@example.com>.");
        assertThat(Masking.mask("POST https://hooks.slack.com/services/T1/B2/C3 503"))
                .isEqualTo("POST https://hooks.slack.com/services/*** 503");
        assertThat(Masking.mask("http://0.0.0.0:8080/events (POST)")).isEqualTo("http://0.0.0.0:8080/events (POST)");
        assertThat(Masking.mask("GET https://api.example.com/c0ntact-42?x=1")).isEqualTo("GET https://api.example.com/***");
        assertThat(Masking.mask("https://example.com/path?token=abc")).isEqualTo("https://example.com/path?***");
        assertThat(Masking.mask("user@[10.0.0.5]")).isEqualTo("u***@[***]");
    }

    /** Long runs of what addresses and URLs are made of: the masks look a bounded distance around each mark. */
    @Test
    void adversarialRunsAreMaskedWithoutLosingTheirShape() {
        String run = "a".repeat(200_000) + "@" + "b".repeat(200_000);
        String masked = Masking.mask(run);
        assertThat(masked).contains("a***@").hasSizeLessThan(run.length());
        String ats = "a@".repeat(100_000);
        assertThat(Masking.mask(ats)).isEqualTo("a***@a@".repeat(50_000));
        String urls = "https://x/".repeat(50_000);
        assertThat(Masking.mask(urls)).isNotNull();
    }
}
