package com.example.notify.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * WireMock playing Salesforce's token endpoint and Pardot's upsertLatestByEmail with their documented shapes,
 * shared by the route tests. {@link #useForPardot()} points the bundle at it through system properties.
 */
public final class TestPardot {

    public static final String TOKEN_PATH = "/services/oauth2/token";
    public static final String UPSERT_PATH = "/api/v5/objects/prospects/do/upsertLatestByEmail";
    public static final String BUSINESS_UNIT = "0Uv000000000042AAA";
    private static WireMockServer server;

    private TestPardot() {
    }

    public static synchronized WireMockServer server() {
        if (server == null) {
            server = new WireMockServer(options().dynamicPort().containerThreads(40));
            server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
            acceptEverything();
        }
        return server;
    }

    /** Default answers: a token without expires_in (as Salesforce sends it) and a successful upsert. */
    public static void acceptEverything() {
        server().resetAll();
        server().stubFor(post(urlEqualTo(TOKEN_PATH)).atPriority(10).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"00Dxx!token-1\",\"token_type\":\"Bearer\",\"instance_url\":\"https://example.my.salesforce.com\"}")));
        server().stubFor(post(urlEqualTo(UPSERT_PATH)).atPriority(10).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"id\":4242,\"email\":\"prospect@example.com\"}")));
    }

    public static void useForPardot() {
        String url = "http://127.0.0.1:" + server().port();
        System.setProperty("notify.pardot.base-url", url);
        System.setProperty("notify.pardot.oauth.instance-url", url);
        System.setProperty("notify.pardot.business-unit-id", BUSINESS_UNIT);
    }
}
