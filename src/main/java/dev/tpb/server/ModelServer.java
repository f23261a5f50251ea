package dev.tpb.server;

import dev.tpb.runtime.ModelManager;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * {@code tpb run}'s server: the KServe v2 endpoints over HTTP in front of a {@link ModelManager}. Closing it is
 * the graceful shutdown: stop accepting, let requests in flight finish (bounded), then finalize the models, stop
 * their stubs and remove their shared memory.
 */
public final class ModelServer implements AutoCloseable {
    /** How long requests in flight may take to finish at shutdown before the models are stopped anyway. */
    static final long DRAIN_MILLIS = 10_000;

    private final ModelManager manager;
    private final KServeHandler handler;
    private final HttpServer http;
    private final String host;
    private boolean closed;

    private ModelServer(ModelManager manager, KServeHandler handler, HttpServer http, String host) {
        this.manager = manager;
        this.handler = handler;
        this.http = http;
        this.host = host;
    }

    /**
     * Listens on {@code host:port} (0: a free port). {@code servingNames} are the models that should be serving
     * (the server reports ready when all of them are).
     */
    public static ModelServer start(ModelManager manager, List<String> servingNames, String host, int port,
                                    long maxRequestBytes) {
        KServeHandler handler = new KServeHandler(manager, maxRequestBytes, servingNames);
        HttpServer http = HttpServer.start(host, port, handler, maxRequestBytes);
        return new ModelServer(manager, handler, http, host);
    }

    public InetSocketAddress address() {
        return http.address();
    }

    /** http://HOST:PORT, with the host as it was given (IPv6 in brackets). */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + address().getPort();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        handler.stopping();
        http.stopAccepting(DRAIN_MILLIS);
        manager.close();
        http.close();
    }
}
