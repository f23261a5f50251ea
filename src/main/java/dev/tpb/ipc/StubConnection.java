package dev.tpb.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Everything the launcher shares with one stub process: the region, its rings and heaps, the cancel table and the
 * doorbell. Any thread may send; one thread at a time reads ({@link #poll}, {@link #await}: the model instance's,
 * or whoever waits for a result before that one runs). Reading keeps the books of shared memory (docs/protocol.md,
 * "The heap"): a response arrives with a {@link Lease} that holds the memory its outputs are in until released.
 */
public final class StubConnection implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ShmRegion region;
    private final Doorbell doorbell;
    private final MessageQueue queue;
    private final LauncherHeap heap;
    private final FreeRing freeRing;
    private final CancelSlots cancelSlots;
    private final Object sendLock = new Object();
    private long seq;
    /** The input block of each EXECUTE sent and not yet answered. */
    private final Map<Long, Long> executeBlocks = new ConcurrentHashMap<>();
    /** Threads inside a call, plus leases not yet released: the region stays mapped for them. */
    private final AtomicInteger users = new AtomicInteger();
    private volatile boolean closed;

    private StubConnection(ShmRegion region, Doorbell doorbell, long growth, long spinNanos, long launcherEnd) {
        this.region = region;
        this.doorbell = doorbell;
        this.queue = new MessageQueue(region, doorbell, spinNanos);
        this.heap = new LauncherHeap(region, ShmLayout.HEAP_OFFSET, launcherEnd, growth);
        this.freeRing = new FreeRing(region);
        this.cancelSlots = new CancelSlots(region);
    }

    /**
     * Creates the region {@code tpb_<model>_<random>} and its socket. {@code envDir} (may be null) is the execution
     * environment the stub must start Python in; {@code logSettings} which Logger levels it shows.
     */
    public static StubConnection create(String model, long defaultSize, long growth, Path envDir, long spinNanos,
                                        int logSettings) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        String name = ShmLayout.REGION_PREFIX + model + "_" + HexFormat.of().formatHex(random);
        long size = ShmRegion.pageAligned(Math.max(defaultSize, ShmLayout.HEAP_OFFSET + (1 << 17)));
        ShmRegion region = ShmRegion.create(name, size);
        Doorbell doorbell = null;
        try {
            Path socket = ShmRegion.SHM_DIR.resolve(name + ".sock");
            // The heap's first bytes are the launcher's, the rest the stub's; each claims more at the end.
            long split = (ShmLayout.HEAP_OFFSET + (size - ShmLayout.HEAP_OFFSET) / 2) & -ShmLayout.ALLOC_ALIGN;
            writeControl(region, size, growth, socket, envDir, split, logSettings);
            doorbell = Doorbell.listen(socket);
            return new StubConnection(region, doorbell, growth, spinNanos, split);
        } catch (RuntimeException e) {
            if (doorbell != null) {
                doorbell.close();
            }
            region.close();
            throw e;
        }
    }

    private static void writeControl(ShmRegion region, long size, long growth, Path socket, Path envDir, long split,
                                     int logSettings) {
        ByteBuffer c = region.control();
        c.putInt(ShmLayout.OFF_PROTOCOL, ShmLayout.PROTOCOL_VERSION);
        c.putLong(ShmLayout.OFF_HEAP, ShmLayout.HEAP_OFFSET);
        ProcessHandle self = ProcessHandle.current();
        c.putInt(ShmLayout.OFF_LAUNCHER_PID, (int) self.pid());
        c.putLong(ShmLayout.OFF_LAUNCHER_TICKS, ProcessStartTicks.of(self.pid()));
        c.putLong(ShmLayout.OFF_GROWTH, growth);
        c.putInt(ShmLayout.OFF_FLAGS, envDir == null ? 0 : ShmLayout.FLAG_USES_ENV);
        c.putInt(ShmLayout.OFF_LOG_SETTINGS, logSettings);
        c.putLong(ShmLayout.OFF_STUB_HEAP, split);
        c.putLong(ShmLayout.OFF_STUB_HEAP_END, size);
        putString(c, ShmLayout.OFF_SOCKET_PATH, ShmLayout.SOCKET_PATH_MAX, socket.toString(), "socket path");
        putString(c, ShmLayout.OFF_ENV_DIR, ShmLayout.ENV_DIR_MAX, envDir == null ? "" : envDir.toString(),
                "execution environment path");
        MessageQueue.initRings(region);
        FreeRing.init(region);
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

    public Wire.Hello awaitHello(long timeoutMillis) {
        enter();
        try {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
            while (true) {
                Message m = queue.poll();
                if (m != null) {
                    if (m.type() != MessageType.HELLO) {
                        throw new TpbException("the stub sent " + m.type() + " before HELLO");
                    }
                    return Wire.hello(m.body());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new StubGoneException("the stub did not say HELLO within " + timeoutMillis + " ms");
                }
                await(left, false, () -> false);
            }
        } finally {
            leave();
        }
    }

    // ---- events -------------------------------------------------------------------------------------------------

    /** What the stub sent, decoded, its memory accounted for. */
    public sealed interface Event permits ExecuteDone, ResponseSent, Infer, InferCancel, Call, Result {
    }

    /** An EXECUTE_RESULT: {@code leases.get(i)} holds the memory of {@code result.responses().get(i)} (null: none). */
    public record ExecuteDone(long seq, Wire.ExecuteResult result, List<Lease> leases) implements Event {
    }

    /** A response a request's response sender sent (RESPONSE); {@code lease} null when there is no response. */
    public record ResponseSent(long rid, Wire.ResponseMessage message, Lease lease) implements Event {
    }

    /** A BLS request; {@code inputs} holds the memory of its inputs until they have been copied to the target. */
    public record Infer(long callId, Wire.InferCall call, Lease inputs) implements Event {
    }

    public record InferCancel(long callId) implements Event {
    }

    /** A model-control call (JSON: op, name, ...), answered with {@link #sendCallResult}. */
    public record Call(long callId, JsonNode body) implements Event {
    }

    /** The result of INITIALIZE, AUTO_COMPLETE or FINALIZE (JSON). */
    public record Result(MessageType type, long seq, JsonNode body) implements Event {
    }

    /**
     * Memory a response (or a BLS request's inputs) keeps: references to launcher blocks its tensors lie in, and
     * blocks of the stub's heap. {@link #release} gives them back, once.
     */
    public final class Lease {
        private final long[] launcherRefs;
        private final long[] stubHolds;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(long[] launcherRefs, long[] stubHolds) {
            this.launcherRefs = launcherRefs;
            this.stubHolds = stubHolds;
            users.incrementAndGet();
        }

        public void release() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            if (!closed) {
                for (long r : launcherRefs) {
                    heap.unref(r);
                }
                for (long h : stubHolds) {
                    freeRing.push(h);
                }
            }
            users.decrementAndGet();
        }
    }

    /** The next event, or null when the stub has sent nothing (more). Only the reading thread calls this. */
    public Event poll() {
        while (true) {
            Message m = queue.poll();
            if (m == null) {
                return null;
            }
            try {
                Event e = decode(m);
                if (e != null) {
                    return e;
                }
            } finally {
                if (m.indirect() != 0) {
                    freeRing.push(m.indirect()); // the stub's block that carried a large body
                }
            }
        }
    }

    private Event decode(Message m) {
        MessageType type = m.type();
        if (!type.marshal()) {
            JsonNode body = Wire.parse(m.body());
            return switch (type) {
                case CALL -> new Call(m.seq(), body);
                case INFER_CANCEL -> new InferCancel(m.seq());
                case AUTO_COMPLETE_RESULT, INITIALIZE_RESULT, FINALIZE_RESULT -> new Result(type, m.seq(), body);
                default -> throw new TpbException("Received unexpected response from Python backend stub: " + type);
            };
        }
        Wire.Body body = Wire.body(m.body(), type.name());
        switch (type) {
            case EXECUTE_RESULT -> {
                Wire.ExecuteResult result = Wire.executeResult(body.map());
                // References first, then what the stub let go of, then the EXECUTE's own reference.
                for (long[] pin : result.pins()) {
                    heap.ref(pin[0]);
                }
                List<Lease> leases = new ArrayList<>(result.responses().size());
                for (Wire.Response r : result.responses()) {
                    leases.add(r == null ? null : lease(r.outputs(), r.holds()));
                }
                unpin(body.unpins());
                Long block = executeBlocks.remove(m.seq());
                if (block != null) {
                    heap.unref(block); // the EXECUTE is done; pins and outputs that point into it keep it
                }
                return new ExecuteDone(m.seq(), result, leases);
            }
            case RESPONSE -> {
                Wire.ResponseMessage message = Wire.responseMessage(body.map());
                Wire.Response r = message.response();
                Lease lease = r == null ? null : lease(r.outputs(), r.holds());
                unpin(body.unpins());
                return new ResponseSent(m.seq(), message, lease);
            }
            case INFER -> {
                Wire.InferCall call = Wire.inferCall(body.map());
                Lease inputs = lease(call.request().inputs(), call.holds());
                unpin(body.unpins());
                return new Infer(m.seq(), call, inputs);
            }
            case RELEASE -> {
                unpin(body.unpins());
                return null;
            }
            default -> throw new TpbException("Received unexpected response from Python backend stub: " + type);
        }
    }

    /** Takes references for the tensors that lie in launcher blocks (now, while the stub still holds them). */
    private Lease lease(List<Wire.Tensor> tensors, long[] stubHolds) {
        long[] refs = new long[tensors.size()];
        int n = 0;
        for (Wire.Tensor t : tensors) {
            if (heap.ref(t.offset())) {
                refs[n++] = t.offset();
            }
        }
        return new Lease(n == refs.length ? refs : java.util.Arrays.copyOf(refs, n), stubHolds);
    }

    private void unpin(List<long[]> ranges) {
        for (long[] r : ranges) {
            heap.unref(r[0]);
        }
    }

    /**
     * Waits at most {@code timeoutNanos} for the stub to send something, or for {@link #wakeup()}; with {@code spin}
     * it spins briefly first unless {@code othersWaiting}. Throws when the stub is gone.
     */
    public boolean await(long timeoutNanos, boolean spin, BooleanSupplier othersWaiting) {
        if (doorbell.hungUp() || closed) {
            throw new StubGoneException("the stub is gone");
        }
        return queue.await(timeoutNanos, spin, othersWaiting);
    }

    /** Ends a wait in {@link #await} (from any thread). */
    public void wakeup() {
        doorbell.wakeup();
    }

    /** The stub process exited: end a wait even if a child it forked holds the socket. */
    public void stubExited() {
        doorbell.hangUp();
    }

    public boolean gone() {
        return closed || doorbell.hungUp();
    }

    /**
     * Sends a request and waits for its result (INITIALIZE, AUTO_COMPLETE, FINALIZE), handing whatever else the stub
     * sends meanwhile to {@code others} (model-control calls from initialize()). Only while no other thread reads.
     */
    public JsonNode call(MessageType type, byte[] body, Consumer<Event> others) {
        enter();
        try {
            long id = send(type, body);
            while (true) {
                Event e = poll();
                if (e == null) {
                    await(Long.MAX_VALUE / 2, false, () -> false);
                    continue;
                }
                if (e instanceof Result r && r.seq() == id) {
                    if (r.type() != type.result()) {
                        throw new TpbException("Received unexpected response from Python backend stub: expected "
                                + type.result() + " #" + id + ", got " + r.type() + " #" + r.seq());
                    }
                    return r.body();
                }
                others.accept(e);
            }
        } finally {
            leave();
        }
    }

    // ---- sending ------------------------------------------------------------------------------------------------

    /** Where a batch's inputs went: one launcher block (released when the EXECUTE is answered) and each offset. */
    public record Placement(long block, long[] offsets) {
    }

    /** Copies a batch's input tensors into one new block of the heap (the one copy on the way in). */
    public Placement placeInputs(List<ByteBuffer> inputs) {
        enter();
        try {
            long total = 0;
            for (ByteBuffer b : inputs) {
                total += align(b.remaining());
            }
            if (inputs.isEmpty() || total == 0) {
                long[] offsets = new long[inputs.size()];
                java.util.Arrays.fill(offsets, ShmLayout.HEAP_OFFSET); // empty tensors: any place in the heap
                return new Placement(-1, offsets);
            }
            long block = heap.allocate(total);
            long[] offsets = new long[inputs.size()];
            long at = block;
            for (int i = 0; i < offsets.length; i++) {
                ByteBuffer b = inputs.get(i);
                int n = b.remaining();
                offsets[i] = at;
                if (n > 0) {
                    region.slice(at, n).put(b.duplicate());
                }
                at += align(n);
            }
            return new Placement(block, offsets);
        } finally {
            leave();
        }
    }

    /** Gives back a placement whose EXECUTE was never sent. */
    public void discard(Placement p) {
        if (p.block() >= 0) {
            heap.unref(p.block());
        }
    }

    /** Sends an EXECUTE whose inputs are in {@code placement}; returns its sequence number. */
    public long sendExecute(List<Wire.Request> requests, Placement placement) {
        enter();
        try {
            freeRing.flush();
            byte[] body = Wire.execute(requests);
            synchronized (sendLock) {
                long id = nextSeq();
                if (placement.block() >= 0) {
                    executeBlocks.put(id, placement.block());
                }
                try {
                    sendLocked(MessageType.EXECUTE, id, body);
                } catch (RuntimeException e) {
                    executeBlocks.remove(id);
                    throw e;
                }
                return id;
            }
        } finally {
            leave();
        }
    }

    /**
     * Answers a BLS request with one response: its outputs are copied into one new block (the one copy on the way
     * back), which the stub gives back tensor by tensor as the model lets go of them. {@code response} null and no
     * error: the empty final response of a decoupled model.
     */
    public void sendInferResponse(long callId, boolean last, Wire.Error error, String parametersJson,
                                  List<String> names, List<String> datatypes, List<long[]> shapes,
                                  List<ByteBuffer> datas) {
        enter();
        try {
            List<Wire.Tensor> tensors = null;
            long block = -1;
            if (datas != null) {
                tensors = new ArrayList<>(datas.size());
                long total = 0;
                for (ByteBuffer b : datas) {
                    total += align(b.remaining());
                }
                if (!datas.isEmpty()) {
                    block = heap.allocate(total);
                    for (int i = 1; i < datas.size(); i++) {
                        heap.ref(block); // one reference per tensor: the stub releases each view on its own
                    }
                }
                long at = block;
                for (int i = 0; i < datas.size(); i++) {
                    ByteBuffer b = datas.get(i);
                    int n = b.remaining();
                    if (n > 0) {
                        region.slice(at, n).put(b.duplicate());
                    }
                    tensors.add(new Wire.Tensor(names.get(i), datatypes.get(i), shapes.get(i), at, n));
                    at += align(n);
                }
            }
            byte[] body = Wire.inferResponse(last, error, parametersJson, tensors);
            try {
                send(MessageType.INFER_RESPONSE, callId, body);
            } catch (RuntimeException e) {
                for (int i = 0; block >= 0 && i < datas.size(); i++) {
                    heap.unref(block);
                }
                throw e;
            }
        } finally {
            leave();
        }
    }

    public void sendCallResult(long callId, String error, JsonNode value) {
        send(MessageType.CALL_RESULT, callId, Wire.callResult(error, value));
    }

    private long send(MessageType type, byte[] body) {
        synchronized (sendLock) {
            long id = nextSeq();
            sendLocked(type, id, body);
            return id;
        }
    }

    private void send(MessageType type, long seq, byte[] body) {
        synchronized (sendLock) {
            sendLocked(type, seq, body);
        }
    }

    private long nextSeq() {
        return ++seq;
    }

    private void sendLocked(MessageType type, long id, byte[] body) {
        if (closed) {
            throw new StubGoneException("the connection to the stub is closed");
        }
        if (body.length > queue.inlineLimit()) {
            // Through the heap: the stub reports the block read (an unpin) with its next message.
            long at = heap.allocate(body.length);
            region.slice(at, body.length).put(body);
            ByteBuffer ref = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            ref.putLong(at).putLong(body.length);
            try {
                queue.send(type, ShmLayout.FLAG_INDIRECT, id, ref.array(), 16);
            } catch (RuntimeException e) {
                heap.unref(at);
                throw e;
            }
        } else {
            queue.send(type, 0, id, body, body.length);
        }
    }

    private static long align(long n) {
        return (n + ShmLayout.ALLOC_ALIGN - 1) & -ShmLayout.ALLOC_ALIGN;
    }

    // ---- the rest -----------------------------------------------------------------------------------------------

    /** A view of heap bytes (an output, an input of a BLS request). */
    public ByteBuffer buffer(long offset, long nbytes) {
        if (nbytes > Integer.MAX_VALUE || nbytes < 0) {
            throw new TpbException("tensor of " + nbytes + " bytes is larger than tpb supports");
        }
        return region.slice(offset, (int) nbytes);
    }

    /** A cancellation byte for a request about to be sent (-1 when none is left). */
    public int acquireCancelSlot() {
        return cancelSlots.acquire();
    }

    public void releaseCancelSlot(int slot) {
        cancelSlots.release(slot);
    }

    /** Marks a request the stub has as cancelled: its is_cancelled() turns true. */
    public void cancel(int slot) {
        if (!closed) {
            cancelSlots.cancel(slot);
        }
    }

    /** Which pb_utils.Logger levels the stub shows (TPB_LOG_* bits; verbose level above bit 8). */
    public void logSettings(int settings) {
        if (!closed) {
            region.putIntVolatile(ShmLayout.OFF_LOG_SETTINGS, settings);
        }
    }

    /** Launcher blocks in use (for tests: only pinned ones remain once every answer is written). */
    public int launcherBlocks() {
        return heap.blockCount();
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

    /**
     * Closes the socket (the stub sees end-of-file and exits) and removes the region. Its memory is unmapped once
     * no thread is inside a call and every lease has been released (waiting at most a few seconds; after that the
     * GC unmaps it): unmapping under a reader would crash the JVM.
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
