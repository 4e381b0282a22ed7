package com.example.notify.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * bin/validate-routes on the repo's routes (clean in every profile) and on deliberately broken copies: each
 * kind of mistake is reported with the file, the line it is on and what is wrong.
 */
class ValidateRoutesTest {

    Path copy;

    @BeforeEach
    void copyTheConfiguration() throws Exception {
        copy = Files.createTempDirectory("validate-routes");
        Files.createDirectories(copy.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve("routes").resolve(f.getFileName()));
            }
        }
        for (String name : List.of("application.properties", "application-dev.properties")) {
            Files.copy(Path.of(name), copy.resolve(name));
        }
    }

    /** Replaces the first occurrence of {@code text} and returns the 1-based line it is on. */
    private int edit(String file, String text, String replacement) throws Exception {
        Path path = copy.resolve("routes").resolve(file);
        String content = Files.readString(path);
        int at = content.indexOf(text);
        assertThat(at).as("%s holds %s", file, text).isNotNegative();
        Files.writeString(path, content.substring(0, at) + replacement + content.substring(at + text.length()));
        return (int) content.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
    }

    private List<String> problems() throws Exception {
        return ValidateRoutes.run(copy).stream().map(p -> copy.relativize(Path.of(p.file())).toString() + ":" + p.line() + ": " + p.message())
                .toList();
    }

    @Test
    void theReposRoutesAreCleanInEveryProfile() throws Exception {
        assertThat(ValidateRoutes.run(Path.of("."))).isEmpty();
    }

    @Test
    void aMisspelledKeyIsASchemaErrorAtItsLine() throws Exception {
        int line = edit("route-by-channel.camel.yaml", "            steps:\n              - setProperty:", "            stpes:\n              - setProperty:");
        assertThat(problems()).anySatisfy(p -> assertThat(p).startsWith("routes/route-by-channel.camel.yaml:")
                .contains("schema:").contains("stpes"));
        assertThat(problems()).anySatisfy(p -> assertThat(p).startsWith("routes/route-by-channel.camel.yaml:" + line + ":"));
    }

    @Test
    void aWrongValueTypeIsASchemaError() throws Exception {
        int line = edit("deliver-smtp.camel.yaml", "timePeriodMillis: \"1000\"", "timePeriodMillis: [1000]");
        assertThat(problems()).anySatisfy(p -> assertThat(p).startsWith("routes/deliver-smtp.camel.yaml:" + line + ":")
                .contains("timePeriodMillis"));
    }

    @Test
    void anUnknownPlaceholderIsReportedPerProfile() throws Exception {
        int line = edit("deliver-webhook.camel.yaml", "{{notify.webhook.per-second}}", "{{notify.webhook.per-secnod}}");
        assertThat(problems()).contains(
                "routes/deliver-webhook.camel.yaml:" + line + ": placeholder {{notify.webhook.per-secnod}} has no value in profile default (application.properties)",
                "routes/deliver-webhook.camel.yaml:" + line + ": placeholder {{notify.webhook.per-secnod}} has no value in profile dev (application-dev.properties)");
    }

    @Test
    void aPlaceholderOnlyOneProfileDefinesIsReportedForTheOther() throws Exception {
        Files.writeString(copy.resolve("application-dev.properties"), "\nnotify.webhook.dev-only=1\n",
                java.nio.file.StandardOpenOption.APPEND);
        int line = edit("deliver-webhook.camel.yaml", "{{notify.webhook.per-second}}", "{{notify.webhook.dev-only}}");
        assertThat(problems()).containsExactly("routes/deliver-webhook.camel.yaml:" + line
                + ": placeholder {{notify.webhook.dev-only}} has no value in profile default (application.properties)");
    }

    @Test
    void anUnknownEndpointOptionOrComponentIsReported() throws Exception {
        int option = edit("consume-events.camel.yaml", "autoOffsetReset:", "autoOfsetReset:");
        int component = edit("deliver-smtp.camel.yaml", "uri: \"{{notify.smtp.protocol}}://", "uri: \"smsx://");
        List<String> problems = problems();
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("routes/consume-events.camel.yaml:")
                .contains("endpoint kafka:{{topic}} in profile default").contains("autoOfsetReset").contains("Unknown option"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("routes/deliver-smtp.camel.yaml:" + component + ":")
                .contains("unknown component 'smsx'"));
        assertThat(option).isPositive();
        // camel-http passes unknown options on to the target URL (lenient), so those are not flagged
    }

    @Test
    void brokenYamlIsReportedWithItsLine() throws Exception {
        int line = edit("publish-status.camel.yaml", "      steps:\n", "      steps: [\n");
        assertThat(problems()).anySatisfy(p -> assertThat(p).startsWith("routes/publish-status.camel.yaml:").contains("not valid YAML"));
        assertThat(line).isPositive();
    }
}
