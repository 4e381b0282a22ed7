package com.example.notify.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** docs/exchange-properties.md has a row for every exchange property the routes and the Java code use. */
class ExchangePropertiesDocTest {

    private static final Pattern ROW = Pattern.compile("^\\| `(notify[A-Z]\\w*)` \\|", Pattern.MULTILINE);
    private static final Pattern IN_ROUTES = Pattern.compile(
            "exchangeProperty\\.(notify[A-Z]\\w*)|(?:set|remove)Property:\\s*\\n(?:\\s+\\w+:.*\\n){0,3}?\\s+name: (notify[A-Z]\\w*)");

    @Test
    void everyNameUsedHasARow() throws IOException, IllegalAccessException {
        Set<String> documented = names(ROW, Files.readString(Path.of("docs", "exchange-properties.md")));

        Set<String> used = new TreeSet<>();
        for (Field field : ExchangeProperties.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                used.add((String) field.get(null));
            }
        }
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".camel.yaml")).toList()) {
                used.addAll(names(IN_ROUTES, Files.readString(file)));
            }
        }

        assertThat(used).contains("notifyEvent", "notifyStatusReason", "notifyPreferences");
        assertThat(documented).containsAll(used);
    }

    private static Set<String> names(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1) != null ? m.group(1) : m.group(m.groupCount()));
        }
        return found;
    }
}
