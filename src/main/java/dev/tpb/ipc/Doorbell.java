package dev.tpb.ipc;

import dev.tpb.TpbException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.BooleanSupplier;

/**
 * The Unix stream socket beside a region. It carries no data: one byte wakes a peer blocked waiting for it, and
 * end-of-file tells each side, immediately, that the other process is gone. The launcher waits for it in a selector,
 * so that another thread can end the wait ({@link #wakeup()}: new work for the model instance).
 */
final class Doorbell implements AutoCloseable {
    private static final ByteBuffer RING = ByteBuffer.wrap(new byte[] {'w'});

    private final Path path;
    private final ServerSocketChannel server;
    private SocketChannel peer;
    private Selector selector;
    private volatile boolean hungUp;
    private final ByteBuffer drain = ByteBuffer.allocateDirect(64);

    private Doorbell(Path path, ServerSocketChannel server) {
        this.path = path;
        this.server = server;
    }

    static Doorbell listen(Path path) {
        try {
            Files.deleteIfExists(path);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            return new Doorbell(path, server);
        } catch (IOException e) {
            throw new TpbException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    /** Waits for the stub to connect, giving up when {@code alive} turns false or the timeout passes. */
    void accept(long timeoutMillis, BooleanSupplier alive) throws IOException {
        server.configureBlocking(false);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (peer == null) {
                peer = server.accept();
                if (peer != null) {
                    break;
                }
                if (!alive.getAsBoolean()) {
                    throw new StubGoneException("the stub exited before connecting");
                }
                if (System.nanoTime() > deadline) {
                    throw new StubGoneException("the stub did not connect within " + timeoutMillis + " ms");
                }
                selector.select(50);
                selector.selectedKeys().clear();
            }
        }
        peer.configureBlocking(false);
        selector = Selector.open();
        peer.register(selector, SelectionKey.OP_READ);
        server.close();
        Files.deleteIfExists(path); // connected: the name is no longer needed
    }

    /** Wakes the stub; a full socket buffer already holds enough bytes to wake it. Callers serialize. */
    void ring() {
        try {
            peer.write(RING.duplicate());
        } catch (IOException e) {
            hungUp = true;
            throw new StubGoneException("the stub closed its connection");
        }
    }

    /**
     * Waits at most {@code timeoutNanos} for the peer to ring, or for {@link #wakeup()}; throws when the peer has gone
     * away. Only one thread waits at a time (the owner of the reading end).
     */
    void await(long timeoutNanos) {
        try {
            long millis = timeoutNanos / 1_000_000;
            if (millis > 0) {
                selector.select(millis);
            } else {
                // select() has millisecond steps: wait shorter times in pieces (dynamic batching delays are µs)
                if (selector.selectNow() == 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(Math.min(timeoutNanos, 50_000));
                    selector.selectNow();
                }
            }
            selector.selectedKeys().clear();
            drainBytes();
        } catch (ClosedSelectorException e) {
            throw new StubGoneException("the connection to the stub is closed");
        } catch (IOException e) {
            hungUp = true;
            throw new StubGoneException("the stub closed its connection: " + e.getMessage());
        }
    }

    private void drainBytes() throws IOException {
        for (int n; ; ) {
            drain.clear();
            n = peer.read(drain);
            if (n < 0) {
                hungUp = true;
                throw new StubGoneException("the stub closed its connection");
            }
            if (n < drain.capacity()) {
                return;
            }
        }
    }

    /** Ends a wait in {@link #await} early (from any thread). */
    void wakeup() {
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    /** Whether the peer's end is known to be closed. */
    boolean hungUp() {
        return hungUp;
    }

    /**
     * Ends a wait in {@link #await} as if the stub had closed its end: used when the stub process exits while a
     * child it forked still holds the socket open.
     */
    void hangUp() {
        hungUp = true;
        try {
            SocketChannel p = peer;
            if (p != null) {
                p.shutdownInput();
            }
        } catch (IOException ignored) {
            // already closed
        }
        wakeup();
    }

    @Override
    public void close() {
        hungUp = true;
        try {
            server.close();
            if (selector != null) {
                selector.close();
            }
            if (peer != null) {
                peer.close();
            }
        } catch (IOException ignored) {
            // closing a Unix socket fails only when already closed
        }
        ShmRegion.deleteQuietly(path);
    }
}
