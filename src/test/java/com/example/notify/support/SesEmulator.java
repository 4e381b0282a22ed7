package com.example.notify.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The SES emulator (npm aws-ses-v2-local, installed by .ci/run into src/test/ses-emulator) as a separate
 * process on a free loopback port, for the test JVM; read back what was sent through {@code GET /store}.
 */
public final class SesEmulator {

    private static final Path BIN = Path.of("src/test/ses-emulator/node_modules/.bin/aws-ses-v2-local");
    private static String endpoint;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private SesEmulator() {
    }

    public static synchronized String endpoint() {
        if (endpoint == null) {
            if (!Files.isExecutable(BIN)) {
                throw new IllegalStateException("SES emulator not installed: run npm ci --prefix src/test/ses-emulator");
            }
            try {
                int port;
                try (ServerSocket socket = new ServerSocket(0)) {
                    port = socket.getLocalPort();
                }
                Process process = new ProcessBuilder(BIN.toString(), "--host", "127.0.0.1", "--port", String.valueOf(port))
                        .redirectErrorStream(true).redirectOutput(new File("target/ses-emulator.log")).start();
                Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
                String url = "http://127.0.0.1:" + port;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (true) {
                    try {
                        HTTP.send(HttpRequest.newBuilder(URI.create(url + "/store")).build(), HttpResponse.BodyHandlers.discarding());
                        break;
                    } catch (java.io.IOException notYet) {
                        if (System.nanoTime() > deadline || !process.isAlive()) {
                            throw new IllegalStateException("SES emulator did not start, see target/ses-emulator.log");
                        }
                        Thread.sleep(200);
                    }
                }
                endpoint = url;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return endpoint;
    }

    /** The emails the emulator holds. */
    public static JsonNode store() {
        try {
            String json = HTTP.send(HttpRequest.newBuilder(URI.create(endpoint() + "/store")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return new ObjectMapper().readTree(json).path("emails");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
