package com.example.notify.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server answering the SES v1 (query protocol) API with scripted responses in SES's own XML shapes:
 * the emulator emulates no errors. Each request takes the next scripted response; when none is left it
 * answers success.
 */
public final class SesErrorStub implements AutoCloseable {

    public final AtomicInteger requests = new AtomicInteger();
    /** Each request's form body (SES query protocol: Action=SendRawEmail&amp;…&amp;Tags.member.1.Name=…). */
    public final Deque<String> bodies = new ConcurrentLinkedDeque<>();
    private final Deque<int[]> script = new ConcurrentLinkedDeque<>();
    private final Deque<String> codes = new ConcurrentLinkedDeque<>();
    private final HttpServer server;

    public SesErrorStub() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int n = requests.incrementAndGet();
            int[] status = script.poll();
            String code = codes.poll();
            String body;
            int http;
            if (status == null) {
                http = 200;
                body = "<SendRawEmailResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\"><SendRawEmailResult>"
                        + "<MessageId>stub-" + n + "</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>r-" + n
                        + "</RequestId></ResponseMetadata></SendRawEmailResponse>";
            } else {
                http = status[0];
                body = "<ErrorResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\"><Error><Type>Sender</Type><Code>"
                        + code + "</Code><Message>" + code + " for jane.doe@example.com</Message></Error><RequestId>r-" + n
                        + "</RequestId></ErrorResponse>";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/xml");
            exchange.sendResponseHeaders(http, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next request is answered with this HTTP status and SES error code. */
    public SesErrorStub thenError(int httpStatus, String code) {
        script.add(new int[] {httpStatus});
        codes.add(code);
        return this;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
