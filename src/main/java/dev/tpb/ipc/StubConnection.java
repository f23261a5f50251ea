package dev.tpb.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Everything the launcher shares with one stub process: the region, its rings and heap, and the doorbell.
 * One EXECUTE is outstanding at a time; callers serialize on the instance that owns the connection.
 */
public final class StubConnection implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ShmRegion region;
    private final Doorbell doorbell;
    private final MessageQueue queue;
    private final HeapAllocator heap = new HeapAllocator();
    private final long growth;
    private long seq;
    /** Threads inside a call, plus results whose output views are still out: the region stays mapped for them. */
    private final java.util.concurrent.atomic.AtomicInteger users = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    private StubConnection(ShmRegion region, Doorbell doorbell, long growth, long spinNanos) {
        this.region = region;
        this.doorbell = doorbell;
        this.growth = growth;
        this.queue = new MessageQueue(region, doorbell, spinNanos);
    }

    /**
     * Creates the region {@code tpb_<model>_<random>} and its socket. {@code envDir} (may be null) is the
     * execution environment the stub must start Python in.
     */
    public static StubConnection create(String model, long defaultSize, long growth, Path envDir, long spinNanos) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        String name = ShmLayout.REGION_PREFIX + model + "_" + HexFormat.of().formatHex(random);
        long size = ShmRegion.pageAligned(Math.max(defaultSize, ShmLayout.HEAP_OFFSET + (1 << 16)));
        ShmRegion region = ShmRegion.create(name, size);
        Doorbell doorbell = null;
        try {
            Path socket = ShmRegion.SHM_DIR.resolve(name + ".sock");
            writeControl(region, size, growth, socket, envDir);
            doorbell = Doorbell.listen(socket);
            return new StubConnection(region, doorbell, growth, spinNanos);
        } catch (RuntimeException e) {
            if (doorbell != null) {
                doorbell.close();
            }
            region.close();
            throw e;
        }
    }

    private static void writeControl(ShmRegion region, long size, long growth, Path socket, Path envDir) {
        ByteBuffer c = region.control();
        c.putInt(ShmLayout.OFF_PROTOCOL, ShmLayout.PROTOCOL_VERSION);
        c.putLong(ShmLayout.OFF_HEAP, ShmLayout.HEAP_OFFSET);
        ProcessHandle self = ProcessHandle.current();
        c.putInt(ShmLayout.OFF_LAUNCHER_PID, (int) self.pid());
        c.putLong(ShmLayout.OFF_LAUNCHER_TICKS, ProcessStartTicks.of(self.pid()));
        c.putLong(ShmLayout.OFF_GROWTH, growth);
        c.putInt(ShmLayout.OFF_FLAGS, envDir == null ? 0 : ShmLayout.FLAG_USES_ENV);
        putString(c, ShmLayout.OFF_SOCKET_PATH, ShmLayout.SOCKET_PATH_MAX, socket.toString(), "socket path");
        putString(c, ShmLayout.OFF_ENV_DIR, ShmLayout.ENV_DIR_MAX, envDir == null ? "" : envDir.toString(),
                "execution environment path");
        MessageQueue.initRings(region);
        region.putLongVolatile(ShmLayout.OFF_CAPACITY, size);
        // Magic last: a region is only valid once everything else is in place.
        region.putIntVolatile(ShmLayout.OFF_MAGIC, ShmLayout.MAGIC);
    }

    private static void putString(ByteBuffer c, int offset, int max, String value, String what) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= max) {
            throw new TpbException(what + " is too long (" + bytes.length + " bytes, at most " + (max - 1) + "): " + value);
        }
        c.put(offset, bytes);
        c.put(offset + bytes.length, (byte) 0);
    }

    public String regionName() {
        return region.name();
    }

    public Path regionPath() {
        return region.path();
    }

    /** Waits for the stub to connect to the doorbell. */
    public void awaitConnection(long timeoutMillis, BooleanSupplier alive) {
        try {
            doorbell.accept(timeoutMillis, alive);
        } catch (IOException e) {
            throw new StubGoneException("the stub could not connect: " + e.getMessage());
        }
    }

    public Wire.Hello awaitHello() {
        enter();
        try {
            Message m = queue.receive();
            if (m.type() != MessageType.HELLO) {
                throw new TpbException("the stub sent " + m.type() + " before HELLO");
            }
            return Wire.hello(m.body());
        } finally {
            leave();
        }
    }

    /** Sends a request and waits for its result; returns the result body. */
    public JsonNode call(MessageType type, byte[] body) {
        enter();
        try {
            long id = send(type, body);
            return Wire.parse(awaitResult(type.result(), id, () -> false));
        } finally {
            leave();
        }
    }

    private void enter() {
        users.incrementAndGet();
        if (closed) {
            users.decrementAndGet();
            throw new StubGoneException("the connection to the stub is closed");
        }
    }

    private void leave() {
        users.decrementAndGet();
    }

    /** One response of an {@link #execute} has been written out: its output views are no longer used. */
    public void release() {
        leave();
    }

    /** The stub process exited: wake a thread waiting for it even if a child it forked holds the socket. */
    public void stubExited() {
        doorbell.hangUp();
    }

    // ---- EXECUTE ----------------------------------------------------------------------------------------

    /** Starts an EXECUTE: the heap is free again except for pinned ranges. */
    public void beginExecute() {
        heap.reset();
    }

    /** Copies one input tensor into the heap (the one copy on the way in) and returns its offset. */
    public long putInput(ByteBuffer data) {
        enter();
        try {
            int n = data.remaining();
            long at = heap.allocate(n);
            ensureCapacity(at + n);
            region.slice(at, n).put(data.duplicate());
            return at;
        } finally {
            leave();
        }
    }

    private void ensureCapacity(long end) {
        if (end > region.capacity()) {
            region.grow(end, growth);
        }
    }

    /** Sends the EXECUTE and waits for its result: {@link #sendExecute} then {@link #awaitExecute}. */
    public Wire.ExecuteResult execute(List<Wire.Request> requests) {
        return awaitExecute(sendExecute(requests), () -> false);
    }

    /** Sends an EXECUTE whose inputs are in the heap (after {@link #beginExecute}); returns its sequence number. */
    public long sendExecute(List<Wire.Request> requests) {
        enter();
        try {
            return send(MessageType.EXECUTE, Wire.execute(heap.arena(), requests));
        } finally {
            leave();
        }
    }

    /**
     * Waits for the result of EXECUTE {@code id}, spinning first unless {@code othersWaiting} (more requests queued:
     * a busy machine). Every response without an error holds the region mapped for its output views: call
     * {@link #release()} once for each when it has been written out.
     */
    public Wire.ExecuteResult awaitExecute(long id, BooleanSupplier othersWaiting) {
        enter();
        try {
            Wire.ExecuteResult result = Wire.executeResult(awaitResult(MessageType.EXECUTE_RESULT, id, othersWaiting));
            for (long[] r : result.unpins()) {
                heap.unpin(r[0], r[1]);
            }
            for (long[] r : result.pins()) {
                heap.pin(r[0], r[1]);
            }
            region.refresh();
            // Taken before this call lets go, so that a concurrent close() cannot unmap under the outputs.
            users.addAndGet((int) result.responses().stream().filter(r -> r.error() == null).count());
            return result;
        } finally {
            leave();
        }
    }

    /** A view of heap bytes (an output, or an input the caller fills). */
    public ByteBuffer buffer(long offset, long nbytes) {
        if (nbytes > Integer.MAX_VALUE) {
            throw new TpbException("tensor of " + nbytes + " bytes is larger than tpb supports");
        }
        return region.slice(offset, (int) nbytes);
    }

    public int pinnedRanges() {
        return heap.pinnedCount();
    }

    // ---- plumbing ---------------------------------------------------------------------------------------

    private long send(MessageType type, byte[] body) {
        long id = ++seq;
        if (body.length > queue.inlineLimit()) {
            long at = heap.allocate(body.length);
            ensureCapacity(at + body.length);
            region.slice(at, body.length).put(body);
            ByteBuffer ref = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ref.putLong(at).putLong(body.length);
            queue.send(type, ShmLayout.FLAG_INDIRECT, id, ref.array(), 16);
        } else {
            queue.send(type, 0, id, body, body.length);
        }
        return id;
    }

    private byte[] awaitResult(MessageType expected, long id, BooleanSupplier othersWaiting) {
        Message m = queue.receive(othersWaiting);
        if (m.type() != expected || m.seq() != id) {
            throw new TpbException("Received unexpected response from Python backend stub: expected " + expected
                    + " #" + id + ", got " + m.type() + " #" + m.seq());
        }
        return m.body();
    }

    /**
     * Closes the socket (the stub sees end-of-file and exits) and removes the region. Its memory is unmapped once
     * no thread is inside a call and every result has been released (waiting at most a few seconds; after that
     * the GC unmaps it): unmapping under a reader would crash the JVM.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        doorbell.close(); // wakes a thread blocked in a wait
        region.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (users.get() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
        if (users.get() == 0) {
            region.unmap();
        }
    }
}
