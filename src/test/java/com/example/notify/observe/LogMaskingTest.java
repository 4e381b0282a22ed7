package com.example.notify.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.logging.log4j.util.SortedArrayStringMap;
import org.junit.jupiter.api.Test;

/** The shipped logging setup (src/main/resources/log4j2.properties) masks by itself, in both formats. */
class LogMaskingTest {

    static final String HOSTILE = "SMTP 550 <jane.doe@example.com> rejected; Authorization: Bearer eyJhbGciOi.secret-token;"
            + " form client_secret=s3cr%26t%2B%3D&x=1 password: hunter2 \"access_token\":\"00Dxx!abc\"";

    private static String format(String appender, LogEvent event) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Layout<?> layout = context.getConfiguration().getAppender(appender).getLayout();
        return new String(layout.toByteArray(event));
    }

    private static LogEvent event(String message) {
        SortedArrayStringMap mdc = new SortedArrayStringMap();
        mdc.putValue("notifyEventId", "9d6c1f4e");
        mdc.putValue("camel.routeId", "deliver-smtp");
        return Log4jLogEvent.newBuilder().setLoggerName("test").setLevel(Level.WARN)
                .setMessage(new SimpleMessage(message)).setContextData(mdc)
                .setThrown(new IllegalStateException("for jane.doe@example.com")).build();
    }

    @Test
    void textLinesHoldNoAddressTokenOrSecret() {
        String line = format("text", event(HOSTILE));
        assertThat(line).contains("j***@example.com", "Bearer ***", "client_secret=***", "password: ***", "\"access_token\":\"***")
                .doesNotContain("jane.doe@", "eyJhbGciOi", "s3cr", "hunter2", "00Dxx");
    }

    @Test
    void jsonLinesAreJsonWithEventAndRouteIdAndMasked() throws Exception {
        String line = format("json", event(HOSTILE));
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("eventId").asText()).isEqualTo("9d6c1f4e");
        assertThat(json.path("routeId").asText()).isEqualTo("deliver-smtp");
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("error").asText()).contains("java.lang.IllegalStateException: for j***@example.com");
        assertThat(json.path("message").asText()).contains("j***@example.com", "Bearer ***")
                .doesNotContain("jane.doe@", "eyJhbGciOi", "s3cr", "hunter2", "00Dxx");
        assertThat(line).doesNotContain("jane.doe@");
    }
}
