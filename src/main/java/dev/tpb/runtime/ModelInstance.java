package dev.tpb.runtime;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.ipc.StubConnection;
import dev.tpb.ipc.StubGoneException;
import dev.tpb.ipc.Wire;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One model instance: a stub process and the thread that serves it, an event loop that alone reads what the stub
 * sends (results, responses sent through response senders, BLS requests, model-control calls), sends it batches
 * from the model's queue and answers requests. One batch is in the stub at a time, plus one more for each BLS call
 * the stub waits on (so that a model calling itself, or a model that calls it, never waits for this instance).
 * A stub that dies is restarted with backoff (Triton stopped doing this in 24.06; tpb keeps it), and the requests it
 * had fail with Triton's "not healthy" message.
 */
final class ModelInstance implements Runnable {
    private static final long MAX_BACKOFF_MILLIS = 5_000;
    /** The most input bytes a batch sent before the last answers are written may have (it must not delay them). */
    static final long MAX_AHEAD_INPUT_BYTES = 1 << 20;
    private static final long IDLE_WAIT_NANOS = 100_000_000L;

    /** A batch whose EXECUTE is in the stub. */
    private record Batch(List<Pending> requests, long[] rids, long start, long sent, boolean ahead) {
    }

    /** A request in the stub that is not complete yet. */
    private static final class Open {
        final Pending pending;
        final long rid;
        final int slot;
        final long queueNanos;

        Open(Pending pending, long rid, int slot, long queueNanos) {
            this.pending = pending;
            this.rid = rid;
            this.slot = slot;
            this.queueNanos = queueNanos;
        }
    }

    private final String name;
    private final LoadedModel model;
    private final Supplier<StubProcess> starter;
    private final Reporter reporter;
    private final ServerCalls calls;
    private final Thread worker;
    private volatile StubProcess stub;
    private volatile boolean running = true;
    /** Set when the stub's connection broke: it may not have been reaped yet, but it is gone. */
    private volatile boolean broken;
    /** The last restart failed: requests should not wait for this instance. */
    private volatile boolean restartFailing;
    private volatile int restarts;
    /** The loop waits and could take a batch: a request arriving should wake it. */
    private volatile boolean idle;
    /** BLS calls of the stub not yet answered in full: each lets one more batch into the stub. */
    private final AtomicInteger blockedCalls = new AtomicInteger();
    private final ConcurrentLinkedQueue<Pending> cancels = new ConcurrentLinkedQueue<>();

    // Loop-thread state.
    private final Map<Long, Batch> executes = new HashMap<>();
    private final Map<Long, Open> open = new HashMap<>();
    private final List<Runnable> completions = new ArrayList<>();
    private long nextRid;
    private boolean warnedReschedule;

    ModelInstance(String name, LoadedModel model, Supplier<StubProcess> starter, Reporter reporter, ServerCalls calls) {
        this.name = name;
        this.model = model;
        this.starter = starter;
        this.reporter = reporter;
        this.calls = calls;
        this.worker = new Thread(this, "tpb-instance-" + name);
        this.worker.setDaemon(true);
    }

    String name() {
        return name;
    }

    LoadedModel model() {
        return model;
    }

    /** Starts the stub (and initializes the model); errors propagate to the loader. */
    void start() {
        stub = starter.get();
    }

    /** Takes a stub the loader started and initialized for this instance. */
    void adopt(StubProcess initialized) {
        stub = initialized;
    }

    void startWorker() {
        worker.start();
    }

    StubProcess stub() {
        return stub;
    }

    StubConnection connection() {
        StubProcess s = stub;
        return s == null ? null : s.connection();
    }

    boolean healthy() {
        StubProcess s = stub;
        return s != null && !broken && s.alive();
    }

    int restarts() {
        return restarts;
    }

    /** Cannot serve now and will not soon: its stub is gone and restarting it failed. */
    boolean failing() {
        return restartFailing && !healthy();
    }

    /** A request arrived: wakes the loop if it waits for one. Any thread. */
    boolean wakeIfIdle() {
        if (!idle) {
            return false;
        }
        idle = false;
        StubConnection c = connection();
        if (c != null) {
            c.wakeup();
        }
        return true;
    }

    /** A request sent to this instance was cancelled: its loop marks it in the stub's cancel table. Any thread. */
    void cancel(Pending p) {
        cancels.add(p);
        StubConnection c = connection();
        if (c != null) {
            c.wakeup();
        }
    }

    /** A BLS call of this instance's stub has its final response (or failed). Any thread. */
    void blsDone() {
        blockedCalls.updateAndGet(n -> Math.max(0, n - 1));
    }

    // ---- the loop ---------------------------------------------------------------------------------------------

    @Override
    public void run() {
        long backoff = 100;
        while (running || !executes.isEmpty() || !open.isEmpty()) {
            if (!healthy()) {
                failInFlight(notHealthy());
                if (!running) {
                    break;
                }
                if (!restart()) {
                    model.failQueuedIfNoInstanceServes(notHealthy());
                    sleep(backoff);
                    backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                    continue;
                }
                backoff = 100;
            }
            StubConnection c = stub.connection();
            try {
                for (StubConnection.Event e; (e = c.poll()) != null; ) {
                    handle(c, e);
                }
                applyCancels(c);
                sendBatches(c);
                runCompletions();
                waitForWork(c);
            } catch (StubGoneException e) {
                broken = true;
                runCompletions();
            } catch (RuntimeException e) {
                // A message tpb cannot read, or a bug: the stub's state is unknown, so start a fresh one.
                reporter.warn("instance '" + name + "': " + e.getMessage() + "; restarting the stub");
                broken = true;
                runCompletions();
            }
        }
        runCompletions();
    }

    private void handle(StubConnection c, StubConnection.Event event) {
        if (event instanceof StubConnection.ExecuteDone d) {
            executed(c, d);
        } else if (event instanceof StubConnection.ResponseSent r) {
            responded(c, r);
        } else if (event instanceof StubConnection.Infer i) {
            blockedCalls.incrementAndGet();
            calls.infer(this, c, i);
        } else if (event instanceof StubConnection.InferCancel x) {
            calls.cancelInfer(this, x.callId());
        } else if (event instanceof StubConnection.Call call) {
            calls.control(c, call);
        } else if (event instanceof StubConnection.Result r) {
            reporter.warn("instance '" + name + "': unexpected " + r.type() + " from the stub");
        }
    }

    /** Sends batches while the stub may take one (one, plus one per BLS call it waits on). */
    private void sendBatches(StubConnection c) {
        while (running && executes.size() < 1 + blockedCalls.get()) {
            // Before answers are written, only a batch whose inputs are quick to place goes first.
            long limit = completions.isEmpty() ? Long.MAX_VALUE : MAX_AHEAD_INPUT_BYTES;
            List<Pending> batch = model.nextBatch(this, limit);
            if (batch.isEmpty()) {
                return;
            }
            send(c, batch, !completions.isEmpty());
            if (executes.size() >= 1 + blockedCalls.get() && model.hasWaiting()) {
                model.wakeAnInstance(this); // more is queued than this instance takes now
            }
        }
    }

    private void send(StubConnection c, List<Pending> batch, boolean ahead) {
        long start = System.nanoTime();
        List<ByteBuffer> datas = new ArrayList<>();
        for (Pending p : batch) {
            for (InferInput in : p.request.inputs()) {
                datas.add(in.data());
            }
        }
        StubConnection.Placement placement;
        try {
            placement = c.placeInputs(datas);
        } catch (StubGoneException e) {
            failBatch(batch, notHealthy());
            throw e;
        } catch (RuntimeException e) {
            failBatch(batch, e.getMessage());
            return;
        }
        List<Wire.Request> wire = new ArrayList<>(batch.size());
        long[] rids = new long[batch.size()];
        int k = 0;
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            InferRequest r = p.request;
            List<Wire.Tensor> inputs = new ArrayList<>(r.inputs().size());
            for (InferInput in : r.inputs()) {
                inputs.add(new Wire.Tensor(in.name(), in.datatype().name(), in.shape(), placement.offsets()[k++],
                        in.data().remaining()));
            }
            long rid = ++nextRid;
            int slot = c.acquireCancelSlot();
            rids[i] = rid;
            open.put(rid, new Open(p, rid, slot, start - p.arrivalNanos));
            wire.add(new Wire.Request(rid, slot, r.id(), r.correlationId(), r.flags(), r.timeoutMicros(),
                    r.parametersJson(), r.requestedOutputs(), inputs));
            p.instance = this;
            if (p.cancelled) {
                c.cancel(slot); // cancelled while it was being taken from the queue
            }
        }
        long seq;
        try {
            seq = c.sendExecute(wire, placement);
        } catch (RuntimeException e) {
            c.discard(placement);
            for (long rid : rids) {
                Open o = open.remove(rid);
                c.releaseCancelSlot(o.slot);
            }
            failBatch(batch, e instanceof StubGoneException ? notHealthy() : e.getMessage());
            if (e instanceof StubGoneException) {
                throw e;
            }
            return;
        }
        executes.put(seq, new Batch(batch, rids, start, System.nanoTime(), ahead));
        for (Pending p : batch) {
            if (p.inputsPlaced != null) {
                p.inputsPlaced.run(); // a BLS request: the caller's copies of the inputs may go
            }
        }
    }

    /** An EXECUTE_RESULT: the returned responses answer their requests; the others answer through their senders. */
    private void executed(StubConnection c, StubConnection.ExecuteDone d) {
        Batch b = executes.remove(d.seq());
        Wire.ExecuteResult result = d.result();
        if (b == null) {
            d.leases().forEach(l -> {
                if (l != null) {
                    l.release();
                }
            });
            return;
        }
        long done = System.nanoTime();
        // A batch sent ahead may have been answered while this thread was still writing the previous answers
        long compute = b.ahead() && result.executeNanos() > 0 ? result.executeNanos() : done - b.sent();
        if (result.error() != null) {
            // An error in execute: every request still open gets it (Triton's TRITONBACKEND_ModelInstanceExecute)
            model.stats().execution(batchItems(b.requests()), b.sent() - b.start(), compute, 0);
            for (long rid : b.rids()) {
                Open o = open.get(rid);
                if (o != null) {
                    finish(c, o, error(o.pending, result.error(), ErrorCode.INTERNAL));
                }
            }
            return;
        }
        List<Wire.Response> responses = result.responses();
        boolean[] rescheduled = new boolean[b.rids().length];
        for (int i : result.reschedule()) {
            if (i >= 0 && i < rescheduled.length) {
                rescheduled[i] = true;
            }
        }
        for (int i = 0; i < responses.size(); i++) {
            Wire.Response r = responses.get(i);
            StubConnection.Lease lease = d.leases().get(i);
            Open o = i < b.rids().length ? open.get(b.rids()[i]) : null;
            if (o == null) {
                if (lease != null) {
                    lease.release(); // more responses than requests, or the request is already complete
                }
                continue;
            }
            if (rescheduled[i]) {
                reschedule(c, o);
            } else if (r != null) {
                finish(c, o, toResult(c, o.pending, r, lease));
            }
            // else: it answers (or answered) through its response sender
        }
        long answered = System.nanoTime();
        model.stats().execution(batchItems(b.requests()), b.sent() - b.start(), compute, answered - done);
    }

    private void reschedule(StubConnection c, Open o) {
        open.remove(o.rid);
        c.releaseCancelSlot(o.slot);
        if (!warnedReschedule && !model.spec().iterativeSequence()) {
            warnedReschedule = true;
            reporter.warn("model '" + model.name() + "' rescheduled a request without sequence_batching { "
                    + "iterative_sequence: true }: tpb runs it again, Triton would never run or answer it");
        }
        Pending p = o.pending;
        completions.add(() -> model.reschedule(p));
    }

    /** A response sent through a request's response sender (or the final flag alone, or the request abandoned). */
    private void responded(StubConnection c, StubConnection.ResponseSent r) {
        Open o = open.get(r.rid());
        Wire.ResponseMessage m = r.message();
        if (o == null) {
            if (r.lease() != null) {
                r.lease().release();
            }
            return;
        }
        if (m.abandoned()) {
            if (model.spec().decoupled()) {
                reporter.warn("model '" + model.name() + "' released a request without sending its final response "
                        + "(TRITONSERVER_RESPONSE_COMPLETE_FINAL); tpb completes it, Triton would leave it open");
                finish(c, o, null);
            } else {
                finish(c, o, error(o.pending, "Failed to process the request(s) for model '" + name + "', message: "
                        + "the model released the request without sending a response (Triton would never answer "
                        + "it)", ErrorCode.INTERNAL));
            }
            return;
        }
        InferResult result = m.response() == null ? null : toResult(c, o.pending, m.response(), r.lease());
        if (m.last()) {
            finish(c, o, result);
        } else if (result != null) {
            Pending p = o.pending;
            completions.add(() -> p.sink.onResponse(result, false));
        }
    }

    /** The request's last response: it is complete. */
    private void finish(StubConnection c, Open o, InferResult last) {
        open.remove(o.rid);
        c.releaseCancelSlot(o.slot);
        Pending p = o.pending;
        if (p.finish()) {
            completions.add(() -> model.complete(p, last, o.queueNanos));
        } else if (last != null) {
            last.close();
        }
    }

    private void applyCancels(StubConnection c) {
        for (Pending p; (p = cancels.poll()) != null; ) {
            for (Open o : open.values()) {
                if (o.pending == p) {
                    c.cancel(o.slot);
                }
            }
        }
    }

    private void runCompletions() {
        if (completions.isEmpty()) {
            return;
        }
        List<Runnable> now = new ArrayList<>(completions);
        completions.clear();
        for (Runnable r : now) {
            try {
                r.run();
            } catch (RuntimeException e) {
                reporter.warn("instance '" + name + "': answering a request failed: " + e);
            }
        }
    }

    private void waitForWork(StubConnection c) {
        boolean expecting = !executes.isEmpty();
        long timeout = IDLE_WAIT_NANOS;
        if (running && executes.size() < 1 + blockedCalls.get()) {
            long wait = model.batchWaitNanos(this);
            if (wait == 0) {
                return; // a batch can be formed now
            }
            if (wait > 0) {
                timeout = Math.min(timeout, wait);
            }
            idle = true;
            // Announce first, then look again: a request queued in between either is seen here or wakes us.
            if (model.batchWaitNanos(this) == 0 || !cancels.isEmpty()) {
                idle = false;
                return;
            }
        }
        try {
            c.await(timeout, expecting, model::hasWaiting);
        } finally {
            idle = false;
        }
    }

    // ---- answers ----------------------------------------------------------------------------------------------

    /**
     * The answer to one request. Outputs are views of the stub's shared memory (zero-copy); closing the result
     * gives the memory back.
     */
    private InferResult toResult(StubConnection c, Pending p, Wire.Response r, StubConnection.Lease lease) {
        if (r.error() != null) {
            lease.release();
            return InferResult.failed(model.name(), model.version(), p.request.id(),
                    new InferError(r.error().message(), ErrorCode.parse(r.error().code())));
        }
        List<InferOutput> outputs = new ArrayList<>(r.outputs().size());
        try {
            for (Wire.Tensor t : r.outputs()) {
                DataType type = DataType.parse(t.datatype()).orElse(DataType.UINT8);
                ByteBuffer view = c.buffer(t.offset(), t.nbytes()).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
                outputs.add(new InferOutput(t.name(), type, t.shape(), view));
            }
        } catch (RuntimeException e) {
            lease.release();
            throw e;
        }
        return new InferResult(model.name(), model.version(), p.request.id(), r.parametersJson(), outputs, null,
                lease::release);
    }

    private InferResult error(Pending p, String message, ErrorCode code) {
        return InferResult.failed(model.name(), model.version(), p.request.id(), new InferError(message, code));
    }

    private void failBatch(List<Pending> batch, String message) {
        for (Pending p : batch) {
            if (p.finish()) {
                InferResult r = error(p, message, ErrorCode.INTERNAL);
                completions.add(() -> model.complete(p, r, 0));
            }
        }
    }

    /** The stub is gone: everything it had fails with Triton's "not healthy" message. */
    private void failInFlight(String message) {
        StubConnection c = connection();
        for (Open o : new ArrayList<>(open.values())) {
            Pending p = o.pending;
            open.remove(o.rid);
            if (c != null) {
                c.releaseCancelSlot(o.slot);
            }
            if (p.finish()) {
                InferResult r = error(p, message, ErrorCode.INTERNAL);
                completions.add(() -> model.complete(p, r, o.queueNanos));
            }
        }
        executes.clear();
        blockedCalls.set(0);
        cancels.clear();
        runCompletions();
    }

    private String notHealthy() {
        return "Failed to process the request(s) for model instance '" + name + "', message: Stub process '" + name
                + "' is not healthy.";
    }

    private static long batchItems(List<Pending> batch) {
        long n = 0;
        for (Pending p : batch) {
            n += p.batchItems;
        }
        return n;
    }

    // ---- restarts and stopping --------------------------------------------------------------------------------

    private boolean restart() {
        StubProcess old = stub;
        String why = "";
        if (old != null) {
            old.kill();
            why = " (exit status " + old.process().exitValue() + ")";
        }
        reporter.warn("Stub process '" + name + "' exited" + why + "; restarting it");
        try {
            stub = starter.get();
            broken = false;
            restartFailing = false;
            restarts++;
            reporter.info("Stub process '" + name + "' restarted");
            return true;
        } catch (RuntimeException e) {
            stub = null;
            restartFailing = true;
            reporter.warn("Failed to restart the stub process '" + name + "': " + e.getMessage());
            return false;
        }
    }

    /** Stops taking work, finalizes the model and stops the stub. Returns finalize()'s error, if any. */
    String stop(long timeoutMillis) {
        running = false;
        StubConnection c = connection();
        if (c != null) {
            c.wakeup();
        }
        try {
            worker.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StubProcess s = stub;
        if (s == null) {
            return null;
        }
        if (worker.isAlive()) {
            // Still executing, or requests still answering: FINALIZE would share the connection with the loop.
            // Stop the stub without finalize(), as Triton does with a stub that does not answer.
            s.kill();
            return "execute() did not finish within " + timeoutMillis + " ms; the stub was stopped without finalize()";
        }
        return s.stop(timeoutMillis);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
