package com.example.notify.ingest;

import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;

/**
 * The platform-http engine bound to the main HTTP server's port (camel.server.port). With the management
 * server running as a second Vert.x server, camel-platform-http-vertx 4.17 finds no single server to ask
 * and assumes port 8080, so any other ingest port failed at start ("No PlatformHttpEngine ... router-8080").
 */
public class MainServerHttpEngine extends VertxPlatformHttpEngine {

    private int port;

    public void setPort(int port) {
        this.port = port;
    }

    @Override
    public int getServerPort() {
        return port;
    }
}
