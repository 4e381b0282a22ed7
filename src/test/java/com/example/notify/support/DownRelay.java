package com.example.notify.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A relay's address with the relay down: every connection is accepted, counted and closed at once, before any
 * greeting (what a client sees of a relay that is restarting or overloaded). Counting is the point: a test
 * checks how often a paused channel still knocks.
 */
public final class DownRelay implements AutoCloseable {

    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();

    public DownRelay(int port) throws IOException {
        socket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    connections.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }, "down-relay-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Connections accepted (and closed) so far. */
    public int connections() {
        return connections.get();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
