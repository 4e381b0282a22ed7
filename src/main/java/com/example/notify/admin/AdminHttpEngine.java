package com.example.notify.admin;

import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;

/**
 * The platform-http engine of the admin listener ({@code notify.admin.port}), the component {@code admin-http}:
 * operator endpoints (dead-letter replay) are not served on the ingest port, which producers reach, so a
 * NetworkPolicy can admit the admin port from the operators' namespace only. It starts its own Vert.x HTTP
 * server the first time a route consumes from it (camel-platform-http-main runs only the ingest server and the
 * management server, and the management server takes no routes) and stops it with the context.
 */
public class AdminHttpEngine extends VertxPlatformHttpEngine {

    private int port = 9877;
    private String host = "0.0.0.0";
    private long maxBodySize = 4096;
    private VertxPlatformHttpServer server;

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        startServer(endpoint.getCamelContext());
        return super.createConsumer(endpoint, processor);
    }

    private synchronized void startServer(CamelContext context) {
        if (server != null) {
            return;
        }
        VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
        configuration.setBindHost(host);
        configuration.setBindPort(port);
        configuration.setPort(port);
        configuration.setHost(host);
        configuration.setMaxBodySize(maxBodySize);
        server = new VertxPlatformHttpServer(configuration);
        try {
            // registers the server's router under this port's name, where the consumer looks for it
            context.addService(server, true, true);
        } catch (Exception e) {
            server = null;
            throw new IllegalStateException("admin HTTP listener could not start on port " + port, e);
        }
    }

    @Override
    public int getServerPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public void setHost(String host) {
        this.host = host;
    }

    /** Admin requests carry query parameters only; anything larger is refused before routing. */
    public void setMaxBodySize(long maxBodySize) {
        this.maxBodySize = maxBodySize;
    }
}
