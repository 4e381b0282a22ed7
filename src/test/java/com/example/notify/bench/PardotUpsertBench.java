package com.example.notify.bench;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.example.notify.event.EventValidator;
import com.example.notify.kafka.EmbeddedKafkaBroker;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.Main;

/**
 * Upserts per second through the real deliver-pardot route (all of routes/, the real properties, an
 * in-process Kafka broker for statuses) against WireMock answering Pardot's upsert after a fixed delay, for
 * several concurrency caps; prints each against the ceiling cap / delay. Run by bench/pardot-upsert-bench:
 * {@code PardotUpsertBench [upserts] [delay ms] [callers]}.
 */
public final class PardotUpsertBench {

    private PardotUpsertBench() {
    }

    public static void main(String[] args) throws Exception {
        int upserts = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int delayMs = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int callers = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        WireMockServer pardot = new WireMockServer(options().dynamicPort().containerThreads(60));
        pardot.start();
        pardot.stubFor(post(urlEqualTo("/services/oauth2/token")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"access_token\":\"bench\",\"token_type\":\"Bearer\"}")));
        pardot.stubFor(post(urlEqualTo("/api/v5/objects/prospects/do/upsertLatestByEmail")).willReturn(aResponse()
                .withStatus(200).withFixedDelay(delayMs).withHeader("Content-Type", "application/json").withBody("{\"id\":1}")));
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(Files.createTempDirectory("pardot-bench"), 0);
        try {
            System.out.printf("%n| max-concurrent | upserts/s (%d upserts, %d callers, %d ms per response) | ceiling cap/delay | of ceiling |%n",
                    upserts, callers, delayMs);
            System.out.println("|---|---|---|---|");
            double one = 0;
            for (int cap : new int[] {1, 5}) {
                double rate = run(kafka.bootstrapServers(), "http://127.0.0.1:" + pardot.port(), cap, upserts, callers);
                double ceiling = cap * 1000.0 / delayMs;
                System.out.printf("| %d | %.0f | %.0f | %.0f%% |%n", cap, rate, ceiling, 100 * rate / ceiling);
                if (cap == 1) {
                    one = rate;
                } else {
                    System.out.printf("%nratio max-concurrent %d / 1: %.2f%n", cap, rate / one);
                }
            }
        } finally {
            kafka.close();
            pardot.stop();
        }
    }

    private static double run(String brokers, String pardotUrl, int cap, int upserts, int callers) throws Exception {
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:application.properties");
        main.addOverrideProperty("notify.kafka.brokers", brokers);
        main.addOverrideProperty("notify.kafka.group-id", "bench-" + UUID.randomUUID());
        main.addOverrideProperty("notify.idempotency.repository", "memoryIdempotency");
        main.addOverrideProperty("notify.kafka.allow-plaintext", "true"); // the bench broker speaks PLAINTEXT
        main.addOverrideProperty("notify.pardot.base-url", pardotUrl);
        main.addOverrideProperty("notify.pardot.oauth.instance-url", pardotUrl);
        main.addOverrideProperty("notify.pardot.business-unit-id", "0Uv000000000001AAA");
        main.addOverrideProperty("notify.pardot.max-concurrent", String.valueOf(cap));
        main.addOverrideProperty("notify.pardot.per-second", "100000");
        main.addOverrideProperty("notify.pardot.quota.daily-limit", "0");
        main.start();
        try {
            EventValidator validator = main.getCamelContext().getRegistry().lookupByNameAndType("eventValidator", EventValidator.class);
            ProducerTemplate producer = main.getCamelContext().createProducerTemplate();
            List<byte[]> events = new ArrayList<>();
            for (int i = 0; i < upserts + 50; i++) {
                events.add(("{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"/bench\",\"type\":\"t\","
                        + "\"data\":{\"recipient\":{\"email\":\"u" + i + "-" + UUID.randomUUID().toString().substring(0, 6)
                        + "@example.com\"},\"channels\":[\"pardot\"],\"template\":\"welcome\"}}").getBytes());
            }
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            send(producer, validator, pool, events.subList(0, 50)); // warm-up: JIT, connections, token
            long start = System.nanoTime();
            send(producer, validator, pool, events.subList(50, events.size()));
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            return upserts / seconds;
        } finally {
            main.stop();
        }
    }

    private static void send(ProducerTemplate producer, EventValidator validator, ExecutorService pool, List<byte[]> events)
            throws Exception {
        List<Future<Exchange>> calls = new ArrayList<>();
        for (byte[] raw : events) {
            calls.add(pool.submit(() -> producer.send("direct:deliver-pardot", exchange -> {
                exchange.setProperty("notifyRaw", raw);
                exchange.setProperty("notifyEvent", validator.validate(raw, Map.of()));
                exchange.setProperty("notifyChannel", "pardot");
            })));
        }
        for (Future<Exchange> call : calls) {
            if (call.get().getException() != null) {
                throw call.get().getException();
            }
        }
    }
}
