package dev.tpb.server;

import dev.tpb.TpbException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 server: one acceptor thread and one thread per connection, blocking I/O. For the few
 * keep-alive connections a local inference server sees this is the cheapest design there is (one read and
 * one gathering write per request, no selector hand-offs), and handlers may simply block until a model answers.
 */
public final class HttpServer implements AutoCloseable {
    /** Connections served at once; more are answered 503 and closed (each one costs a thread). */
    static final int MAX_CONNECTIONS = 1024;
    private static final byte[] TOO_MANY = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            + "Content-Length: 81\r\nConnection: close\r\n\r\n"
            + "{\"error\":\"too many connections: tpb run serves at most 1024 connections at once\"}")
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    private final ServerSocketChannel listener;
    private final HttpHandler handler;
    private final long maxRequestBytes;
    private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threadIds = new AtomicInteger();
    private final Thread acceptor;
    private final Thread stallSweeper;
    private volatile boolean stopping;
    private volatile boolean closed;

    private HttpServer(ServerSocketChannel listener, HttpHandler handler, long maxRequestBytes) {
        this.listener = listener;
        this.handler = handler;
        this.maxRequestBytes = maxRequestBytes;
        this.acceptor = new Thread(this::acceptLoop, "tpb-http-acceptor");
        this.acceptor.setDaemon(true);
        this.stallSweeper = new Thread(this::sweepStalledWrites, "tpb-http-write-stall");
        this.stallSweeper.setDaemon(true);
    }

    /** Binds {@code host:port} (port 0: any free port) and starts accepting. */
    public static HttpServer start(String host, int port, HttpHandler handler, long maxRequestBytes) {
        ServerSocketChannel listener;
        try {
            listener = ServerSocketChannel.open();
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(new InetSocketAddress(host, port), 1024);
        } catch (IOException | RuntimeException e) {
            throw new TpbException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        HttpServer server = new HttpServer(listener, handler, maxRequestBytes);
        server.acceptor.start();
        server.stallSweeper.start();
        return server;
    }

    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            throw new TpbException("the HTTP listener is closed", e);
        }
    }

    HttpHandler handler() {
        return handler;
    }

    long maxRequestBytes() {
        return maxRequestBytes;
    }

    boolean stopping() {
        return stopping;
    }

    private void acceptLoop() {
        while (!stopping) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // Out of file descriptors and the like: back off instead of spinning.
                sleep(10);
                continue;
            }
            try {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (connections.size() >= MAX_CONNECTIONS) {
                    channel.write(java.nio.ByteBuffer.wrap(TOO_MANY));
                    channel.close();
                    continue;
                }
            } catch (IOException ignored) {
                closeQuietly(channel);
                continue;
            }
            HttpConnection connection = new HttpConnection(channel, this);
            connections.add(connection);
            if (stopping) {
                connection.close();
                connections.remove(connection);
                return;
            }
            Thread t = new Thread(connection, "tpb-http-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * Disconnects clients that take no part of a response for {@link HttpConnection#WRITE_STALL_MILLIS}, checking
     * a few times per period (so a stalled client goes within 1.2 periods).
     */
    private void sweepStalledWrites() {
        long stallNanos = HttpConnection.WRITE_STALL_MILLIS * 1_000_000;
        while (!closed && !Thread.currentThread().isInterrupted()) {
            sleep(HttpConnection.WRITE_STALL_MILLIS / 5);
            long now = System.nanoTime();
            for (HttpConnection c : connections) {
                if (c.stalled(now, stallNanos)) {
                    c.close();
                }
            }
        }
    }

    void closed(HttpConnection connection) {
        connections.remove(connection);
    }

    /**
     * Stops accepting connections and closes the idle ones; connections in the middle of a request finish it
     * and then close. Returns true when none is left within {@code waitMillis}.
     */
    public boolean stopAccepting(long waitMillis) {
        stopping = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        long deadline = System.currentTimeMillis() + waitMillis;
        while (true) {
            for (HttpConnection c : connections) {
                if (c.idle()) {
                    c.close();
                }
            }
            if (connections.isEmpty()) {
                return true;
            }
            if (System.currentTimeMillis() >= deadline) {
                return false;
            }
            sleep(10);
        }
    }

    /** Open connections (for tests and shutdown). */
    public int connectionCount() {
        return connections.size();
    }

    @Override
    public void close() {
        closed = true;
        stallSweeper.interrupt();
        stopAccepting(0);
        for (HttpConnection c : connections) {
            c.close();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
