package com.example.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renamed keys keep working for one release, resolved by Camel's own PropertiesComponent from real files: an old
 * key still set in the operator's file (or as a JVM system property) gives its value to the new key over the shipped
 * default, with a WARN naming old → new and never the value; without old keys nothing changes and nothing is logged.
 * The shipped configuration carries the new keys only.
 */
class RenamedPropertiesTest {

    @TempDir
    Path dir;

    @Test
    void anOldKeyStillSetGivesItsValueToTheNewKeyWithAWarning() throws Exception {
        Files.writeString(dir.resolve("application.properties"), """
                notify.smtp.per-second=50
                notify.ses.per-second=14
                """);
        Files.writeString(dir.resolve("overrides.properties"), """
                notify.throttle.smtp.per-second=100
                notify.limits.email.per-second./brand-a=2
                """);
        List<String> warnings = new ArrayList<>();
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("file:" + dir.resolve("overrides.properties") + ",file:"
                    + dir.resolve("application.properties"));
            context.start();
            assertThat(RenamedProperties.apply(context.getPropertiesComponent(), warnings::add))
                    .containsExactlyInAnyOrder("notify.throttle.smtp.per-second", "notify.limits.email.per-second./brand-a");
            assertThat(context.resolvePropertyPlaceholders("{{notify.smtp.per-second}} {{notify.ses.per-second}}"))
                    .isEqualTo("100 14");
            assertThat(context.getPropertiesComponent().resolveProperty("notify.email.per-second./brand-a")).hasValue("2");
        }
        assertThat(warnings).hasSize(2).allMatch(w -> !w.contains("100") && !w.contains("=2"))
                .anyMatch(w -> w.contains("notify.throttle.smtp.per-second (env NOTIFY_THROTTLE_SMTP_PER_SECOND) is renamed "
                        + "notify.smtp.per-second (env NOTIFY_SMTP_PER_SECOND)"))
                .anyMatch(w -> w.contains("Property notify.limits.email.per-second./brand-a is renamed notify.email.per-second./brand-a:"));
    }

    @Test
    void anOldKeyAsSystemPropertyIsMovedToo() throws Exception {
        Files.writeString(dir.resolve("application.properties"), "notify.ses.per-second=14\n");
        List<String> warnings = new ArrayList<>();
        System.setProperty("notify.throttle.ses.per-second", "3");
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("file:" + dir.resolve("application.properties"));
            context.start();
            RenamedProperties.apply(context.getPropertiesComponent(), warnings::add);
            assertThat(context.resolvePropertyPlaceholders("{{notify.ses.per-second}}")).isEqualTo("3");
        } finally {
            System.clearProperty("notify.throttle.ses.per-second");
        }
        assertThat(warnings).singleElement().asString().contains("notify.throttle.ses.per-second").contains("notify.ses.per-second");
    }

    @Test
    void withoutOldKeysNothingChangesAndNothingIsLogged() throws Exception {
        Files.writeString(dir.resolve("application.properties"), "notify.smtp.per-second=50\nnotify.email.per-second./a=1\n");
        List<String> warnings = new ArrayList<>();
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("file:" + dir.resolve("application.properties"));
            context.start();
            assertThat(RenamedProperties.apply(context.getPropertiesComponent(), warnings::add)).isEmpty();
            assertThat(context.resolvePropertyPlaceholders("{{notify.smtp.per-second}}")).isEqualTo("50");
        }
        assertThat(warnings).isEmpty();
    }

    /** The shipped files name the new keys only; each new key of a fixed rename is in application.properties. */
    @Test
    void shippedConfigurationUsesTheNewKeysOnly() throws Exception {
        String app = Files.readString(Path.of("application.properties"));
        RenamedProperties.RENAMED.values().forEach(newKey -> assertThat(app).contains("\n" + newKey + "="));
        List<Path> shipped = new ArrayList<>(List.of(Path.of("application.properties"), Path.of("application-dev.properties")));
        for (String dir : List.of("routes", "k8s")) {
            try (Stream<Path> files = Files.walk(Path.of(dir))) {
                files.filter(Files::isRegularFile).forEach(shipped::add);
            }
        }
        for (Path file : shipped) {
            String text = Files.readString(file);
            RenamedProperties.RENAMED.keySet().forEach(oldKey -> assertThat(text).as(file.toString()).doesNotContain(oldKey)
                    .doesNotContain(oldKey.toUpperCase().replace('.', '_').replace('-', '_')));
            assertThat(RenamedProperties.LIMITS_PER_KEY.matcher(text).find()).as(file + " names notify.limits.<channel>.per-second.*").isFalse();
        }
    }
}
