package com.example.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The properties files the app reads, resolved by Camel's own PropertiesComponent: the overrides file
 * (NOTIFY_CONFIG_OVERRIDES, what k8s/ mounts from the overlay's ConfigMap) wins over the profile's file, which wins
 * over application.properties; keys the overrides file does not name keep the image's values; a named overrides
 * file that is missing fails the start.
 */
class NotificationRoutesAppTest {

    @TempDir
    Path dir;

    @Test
    void overridesWinOverTheProfileWhichWinsOverApplicationProperties() throws Exception {
        Files.writeString(dir.resolve("application.properties"), "a=base\nb=base\nc=base\n");
        Files.writeString(dir.resolve("application-dev.properties"), "b=dev\nc=dev\n");
        Files.createDirectories(dir.resolve("overrides"));
        Files.writeString(dir.resolve("overrides/application.properties"), "c=override\n");
        String locations = NotificationRoutesApp.propertyLocations(dir.toString(), Optional.of("dev"),
                Optional.of(dir.resolve("overrides/application.properties").toString()));
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation(locations);
            context.start();
            assertThat(context.resolvePropertyPlaceholders("{{a}} {{b}} {{c}}")).isEqualTo("base dev override");
        }
    }

    @Test
    void withoutOverridesOrProfileOnlyApplicationPropertiesIsRead() throws Exception {
        Files.writeString(dir.resolve("application.properties"), "a=base\n");
        Files.writeString(dir.resolve("application-dev.properties"), "a=dev\n");
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation(NotificationRoutesApp.propertyLocations(dir.toString(),
                    Optional.empty(), Optional.empty()));
            context.start();
            assertThat(context.resolvePropertyPlaceholders("{{a}}")).isEqualTo("base");
        }
    }

    @Test
    void aNamedOverridesFileThatIsMissingFails() throws Exception {
        Files.writeString(dir.resolve("application.properties"), "a=base\n");
        String locations = NotificationRoutesApp.propertyLocations(dir.toString(), Optional.empty(),
                Optional.of(dir.resolve("overrides/application.properties").toString()));
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            assertThatThrownBy(() -> {
                context.getPropertiesComponent().setLocation(locations);
                context.start();
                context.resolvePropertyPlaceholders("{{a}}");
            }).hasStackTraceContaining("overrides/application.properties");
        }
    }
}
