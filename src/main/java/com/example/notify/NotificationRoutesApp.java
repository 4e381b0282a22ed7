package com.example.notify;

import java.util.Optional;
import org.apache.camel.main.Main;

/**
 * Starts the bundle: Camel Main with the YAML routes from {@code routes/} and the properties files from the
 * working directory, so integrators change routes and properties without rebuilding.
 *
 * <p>Profile: {@code -Dcamel.main.profile=dev} or {@code CAMEL_MAIN_PROFILE=dev} adds
 * {@code application-dev.properties} on top of {@code application.properties}.
 *
 * <p>Overrides: {@code -Dnotify.config.overrides=<file>} or {@code NOTIFY_CONFIG_OVERRIDES} names one more
 * properties file whose keys win over both, so a deployment changes only the keys it needs and keeps the image's
 * {@code application.properties} (k8s/: the overlay's ConfigMap, mounted at {@code /config/overrides}).
 */
public final class NotificationRoutesApp {

    private NotificationRoutesApp() {
    }

    public static void main(String[] args) throws Exception {
        // no classpath scanning (Main(Class) would scan com.example.notify for annotated classes: there are
        // none, beans are declared in YAML and properties) — it cost ~1 s of every start
        Main main = new Main();
        // keys renamed in this release still work, with a WARN naming old -> new (first: before anything reads them)
        main.addMainListener(new RenamedProperties());
        // the dev profile's embedded broker, SMTP server and Pardot stand-in: dev-only code, loaded when asked for
        main.addMainListener(new DevServices());
        Optional<String> profile = lookup("camel.main.profile");
        profile.ifPresent(p -> main.configure().setProfile(p));
        String locations = propertyLocations(lookup("notify.config.dir").orElse("."), profile, lookup("notify.config.overrides"));
        main.setPropertyPlaceholderLocations(locations);
        int exitCode;
        try {
            exitCode = main.run(args);
        } catch (Exception e) {
            e.printStackTrace();
            exitCode = 1;
        }
        // a failed start leaves the embedded broker/servers' non-daemon threads behind: exit instead of hanging
        System.exit(exitCode);
    }

    /**
     * The properties files, first wins: the overrides file, the profile's file, application.properties. The
     * overrides file is not optional: one that is named but missing is a wrong deployment, not a default.
     */
    static String propertyLocations(String configDir, Optional<String> profile, Optional<String> overrides) {
        String locations = "file:" + configDir + "/application.properties";
        if (profile.isPresent()) {
            locations = "file:" + configDir + "/application-" + profile.get() + ".properties," + locations;
        }
        if (overrides.isPresent()) {
            locations = "file:" + overrides.get() + "," + locations;
        }
        return locations;
    }

    private static Optional<String> lookup(String key) {
        String value = System.getProperty(key);
        if (value == null) {
            value = System.getenv(key.toUpperCase().replace('.', '_').replace('-', '_'));
        }
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }
}
