package com.example.notify;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListener;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dev profile's in-JVM services (embedded Kafka broker, GreenMail SMTP server, Pardot stand-in), started only
 * when their {@code notify.*.embedded.enabled} flag is set. Their code ({@code src/dev/java}) and libraries (the
 * broker, ZooKeeper, jose4j, GreenMail: Maven scope {@code provided}) are not part of the production artifact
 * ({@code target/notification-routes.jar} + {@code target/lib}, what the image holds): they are loaded from the
 * dev library directory, {@code notify.dev.lib-dir} (env {@code NOTIFY_DEV_LIB_DIR}), by default {@code lib-dev}
 * beside the bundle's jar or classes directory ({@code target/lib-dev}, filled by {@code mvn compile}), plus
 * {@code dev-classes} beside it when present. Where the classes are on the classpath already (the tests), they
 * are used from there. A flag set without the dev code fails the start with a message that says so.
 */
public class DevServices extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(DevServices.class);

    /** flag, listener class, what it is (for the message), a class of its libraries. */
    record Service(String flag, String listener, String what, String libraryClass) {
    }

    static final List<Service> SERVICES = List.of(
            new Service("notify.kafka.embedded.enabled", "com.example.notify.kafka.EmbeddedKafkaListener",
                    "the embedded Kafka broker", "kafka.server.KafkaRaftServer"),
            new Service("notify.smtp.embedded.enabled", "com.example.notify.smtp.EmbeddedSmtpListener",
                    "the embedded SMTP server (GreenMail)", "com.icegreen.greenmail.util.GreenMail"),
            new Service("notify.pardot.embedded.enabled", "com.example.notify.pardot.EmbeddedPardotListener",
                    "the embedded Pardot stand-in", null));

    private final List<MainListener> started = new ArrayList<>();
    private ClassLoader devLoader;

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        PropertiesComponent pc = main.getCamelContext().getPropertiesComponent();
        for (Service service : SERVICES) {
            if (!Boolean.parseBoolean(pc.resolveProperty(service.flag()).orElse("false"))) {
                continue;
            }
            MainListener listener = instantiate(service, pc.resolveProperty("notify.dev.lib-dir")
                    .or(() -> Optional.ofNullable(System.getenv("NOTIFY_DEV_LIB_DIR"))).filter(s -> !s.isBlank()));
            ClassLoader previous = Thread.currentThread().getContextClassLoader();
            // the broker loads classes by name through the context class loader; its threads inherit it
            Thread.currentThread().setContextClassLoader(listener.getClass().getClassLoader());
            try {
                listener.beforeConfigure(main);
            } finally {
                Thread.currentThread().setContextClassLoader(previous);
            }
            started.add(listener);
        }
    }

    @Override
    public void afterStop(BaseMainSupport main) {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).afterStop(main);
        }
        started.clear();
    }

    private MainListener instantiate(Service service, Optional<String> libDir) {
        ClassLoader own = DevServices.class.getClassLoader();
        ClassLoader loader = present(own, service) ? own : devLoader(libDir, service);
        try {
            return (MainListener) Class.forName(service.listener(), true, loader).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw missing(service, libDir, e.toString());
        }
    }

    private static boolean present(ClassLoader loader, Service service) {
        try {
            Class.forName(service.listener(), false, loader);
            if (service.libraryClass() != null) {
                Class.forName(service.libraryClass(), false, loader);
            }
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private synchronized ClassLoader devLoader(Optional<String> libDir, Service service) {
        if (devLoader != null) {
            return devLoader;
        }
        Path dir = libDir.map(Path::of).orElseGet(() -> besideCodeSource().resolve("lib-dev")).toAbsolutePath().normalize();
        List<URL> urls = new ArrayList<>();
        try {
            Path devClasses = dir.resolveSibling("dev-classes");
            if (libDir.isEmpty() && Files.isDirectory(devClasses)) {
                urls.add(devClasses.toUri().toURL()); // mvn compile's output: fresher than a packaged dev jar
            }
            if (Files.isDirectory(dir)) {
                try (Stream<Path> jars = Files.list(dir)) {
                    for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                        urls.add(jar.toUri().toURL());
                    }
                }
            }
        } catch (IOException e) {
            throw missing(service, libDir, e.toString());
        }
        ClassLoader loader = new URLClassLoader("notify-dev", urls.toArray(URL[]::new), DevServices.class.getClassLoader());
        if (!present(loader, service)) {
            throw missing(service, libDir, urls.isEmpty() ? "no dev classes or jars in " + dir : "not found in " + dir);
        }
        LOG.info("Dev profile services loaded from {} ({} entries; not part of the production artifact)", dir, urls.size());
        devLoader = loader;
        return loader;
    }

    private static Path besideCodeSource() {
        try {
            // target/notification-routes.jar or target/classes/ -> target/
            return Path.of(DevServices.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of(".");
        }
    }

    static IllegalStateException missing(Service service, Optional<String> libDir, String detail) {
        return new IllegalStateException(service.flag() + "=true asks for " + service.what()
                + ", a dev-profile service that is not part of the production artifact (its classes and libraries"
                + " are dev-only: src/dev/java, target/lib-dev). Run the dev profile from a build tree"
                + " (mvn -q compile exec:java -Dcamel.main.profile=dev, or java -jar target/notification-routes.jar"
                + " beside target/lib-dev) or point notify.dev.lib-dir / NOTIFY_DEV_LIB_DIR at a lib-dev directory;"
                + " in production set " + service.flag() + "=false and configure the real service instead ("
                + libDir.map(d -> "notify.dev.lib-dir=" + d + ": ").orElse("") + detail + ")");
    }
}
