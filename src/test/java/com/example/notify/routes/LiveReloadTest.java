package com.example.notify.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.support.FreePort;
import com.example.notify.support.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The dev profile's live reload (camel.main.routes-reload-*, as in application-dev.properties) on a copy of
 * the routes: an edited route file replaces its routes in the running context, the other routes keep running.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:application.properties",
        properties = {
            "notify.kafka.topic.events=reload.events",
            "notify.kafka.group-id=reload-test",
            "notify.idempotency.repository=memoryIdempotency",
            "camel.server.host=127.0.0.1",
            "camel.main.routes-reload-enabled=true",
            "camel.main.routes-reload-pattern=*.camel.yaml",
            "camel.main.routes-reload-remove-all-routes=false"
        })
class LiveReloadTest {

    static final Path ROUTES;
    static final int PORT;

    static {
        try {
            ROUTES = Files.createTempDirectory("reload-routes");
            try (Stream<Path> files = Files.list(Path.of("routes"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, ROUTES.resolve(f.getFileName()));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        PORT = FreePort.next();
        System.setProperty("camel.main.routes-include-pattern", "file:" + ROUTES + "/*.camel.yaml");
        System.setProperty("camel.main.routes-reload-directory", ROUTES.toString());
        System.setProperty("camel.server.port", String.valueOf(PORT));
        System.setProperty("notify.kafka.brokers", TestKafka.bootstrapServers());
    }

    @BeanInject
    CamelContext context;

    private static String postWithoutToken() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/events"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void anEditedRouteFileTakesEffectWithoutARestart() throws Exception {
        assertThat(postWithoutToken()).contains("a valid bearer token is required");
        var consumerStarted = context.getRouteController().getRouteStatus("consume-events");

        Path file = ROUTES.resolve("ingest-http.camel.yaml");
        Files.writeString(file, Files.readString(file).replace("a valid bearer token is required", "edited while running"));

        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> postWithoutToken().contains("edited while running"));
        assertThat(context.getRouteController().getRouteStatus("consume-events")).isEqualTo(consumerStarted)
                .isEqualTo(ServiceStatus.Started);
        assertThat(context.getRoute("consume-events").getUptimeMillis())
                .as("the Kafka consumer route was not restarted").isGreaterThan(context.getRoute("ingest-http").getUptimeMillis());
    }

    /** The properties above are JVM-wide: later test classes in this JVM must not inherit them. */
    @AfterAll
    static void clearSystemProperties() {
        System.clearProperty("camel.main.routes-include-pattern");
        System.clearProperty("camel.main.routes-reload-directory");
        System.clearProperty("camel.server.port");
    }
}
