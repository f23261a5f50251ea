package dev.tpb.ipc;

import dev.tpb.TpbException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.BooleanSupplier;

/**
 * The Unix stream socket beside a region. It carries no data: one byte wakes a peer blocked in read(), and
 * end-of-file tells each side, immediately, that the other process is gone.
 */
final class Doorbell implements AutoCloseable {
    private static final ByteBuffer RING = ByteBuffer.wrap(new byte[] {'w'});

    private final Path path;
    private final ServerSocketChannel server;
    private SocketChannel peer;
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
        peer.configureBlocking(true);
        server.close();
        Files.deleteIfExists(path); // connected: the name is no longer needed
    }

    void ring() {
        try {
            RING.clear();
            synchronized (this) {
                peer.write(RING.duplicate());
            }
        } catch (IOException e) {
            throw new StubGoneException("the stub closed its connection");
        }
    }

    /** Blocks until the peer rings (returns normally) or goes away (throws). */
    void await() {
        try {
            drain.clear();
            if (peer.read(drain) < 0) {
                throw new StubGoneException("the stub closed its connection");
            }
        } catch (IOException e) {
            throw new StubGoneException("the stub closed its connection: " + e.getMessage());
        }
    }

    /**
     * Ends a blocked {@link #await()} as if the stub had closed its end: used when the stub process exits while a
     * child it forked still holds the socket open.
     */
    void hangUp() {
        try {
            SocketChannel p = peer;
            if (p != null) {
                p.shutdownInput();
            }
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            if (peer != null) {
                peer.close();
            }
        } catch (IOException ignored) {
            // closing a Unix socket fails only when already closed
        }
        ShmRegion.deleteQuietly(path);
    }
}
