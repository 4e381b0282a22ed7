package com.example.notify;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys renamed to the one scheme per channel or provider ({@code notify.<channel-or-provider>.*}) keep working for
 * one release: at start, before any route or bean reads a property, an old key that is still set (in a properties
 * file, a JVM system property or its environment variable) gives its value to the new key, with a WARN naming old →
 * new. The shipped files carry only the new keys, so an old key is always the operator's and wins over the new
 * key's default. Camel has no alias facility for property keys; the new key is set as an override property of the
 * PropertiesComponent, which every later lookup sees first. Remove a rename here one release after it was made.
 */
public class RenamedProperties extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(RenamedProperties.class);

    /** old key → new key. */
    static final Map<String, String> RENAMED = Map.of(
            "notify.throttle.smtp.per-second", "notify.smtp.per-second",
            "notify.throttle.ses.per-second", "notify.ses.per-second");

    /** Keys with a part of their own (the channel, the type or source): old pattern, new key from its groups. */
    static final Pattern LIMITS_PER_KEY = Pattern.compile("notify\\.limits\\.([a-z0-9-]+)\\.per-second\\.(.+)");

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        apply(main.getCamelContext().getPropertiesComponent(), LOG::warn);
    }

    /** Moves every old key still set onto its new key; tells {@code warn} about each. Returns the old keys found. */
    static List<String> apply(PropertiesComponent pc, Consumer<String> warn) {
        List<String> found = new ArrayList<>();
        RENAMED.forEach((oldKey, newKey) -> pc.resolveProperty(oldKey).ifPresent(value -> {
            move(pc, oldKey, newKey, value, warn);
            found.add(oldKey);
        }));
        Properties perKey = pc.loadProperties(key -> LIMITS_PER_KEY.matcher(key).matches());
        for (String oldKey : perKey.stringPropertyNames()) {
            Matcher m = LIMITS_PER_KEY.matcher(oldKey);
            if (m.matches()) {
                move(pc, oldKey, "notify." + m.group(1) + ".per-second." + m.group(2), perKey.getProperty(oldKey), warn);
                found.add(oldKey);
            }
        }
        return found;
    }

    private static void move(PropertiesComponent pc, String oldKey, String newKey, String value, Consumer<String> warn) {
        pc.addOverrideProperty(newKey, value);
        // names only, never the value
        warn.accept("Property " + oldKey + env(oldKey) + " is renamed " + newKey + env(newKey)
                + ": its value is used this release, the old name will stop working in the next; rename it where you set it");
    }

    /** The environment variable Camel reads for a key, where a key has one (a per-key limit's type or source may not). */
    private static String env(String key) {
        return key.matches("[a-z0-9.-]+") ? " (env " + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + ")" : "";
    }
}
