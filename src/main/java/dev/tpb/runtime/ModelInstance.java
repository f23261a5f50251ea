package dev.tpb.runtime;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.ipc.StubConnection;
import dev.tpb.ipc.StubGoneException;
import dev.tpb.ipc.Wire;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One model instance: a stub process and the worker thread that feeds it batches from the model's queue.
 * A stub that dies is restarted with backoff (Triton stopped doing this in 24.06; tpb keeps it), and the
 * requests it was running fail with Triton's "not healthy" message.
 */
final class ModelInstance implements Runnable {
    private static final long MAX_BACKOFF_MILLIS = 5_000;
    /** Answers with up to this many output bytes are copied out of shared memory (see {@link #toResult}). */
    static final int MAX_COPY_BYTES = 64 * 1024;

    /** The most input bytes a batch sent ahead may have: placing them must not delay the answers being written. */
    static final long MAX_AHEAD_INPUT_BYTES = 1 << 20;

    /** A batch whose EXECUTE has been sent (ahead: while the previous answers were written) and not yet answered. */
    private record InFlight(List<Pending> batch, StubConnection connection, long id, long start, long sent,
                            boolean ahead) {
    }

    private final String name;
    private final LoadedModel model;
    private final Supplier<StubProcess> starter;
    private final Reporter reporter;
    private final Thread worker;
    private volatile StubProcess stub;
    private volatile boolean running = true;
    /** Set when the stub's connection broke: it may not have been reaped yet, but it is gone. */
    private volatile boolean broken;
    /** The last restart failed: requests should not wait for this instance. */
    private volatile boolean restartFailing;
    private int restarts;
    /** Sent while the previous batch's answers were being written; the worker finishes it next. */
    private InFlight ahead;

    ModelInstance(String name, LoadedModel model, Supplier<StubProcess> starter, Reporter reporter) {
        this.name = name;
        this.model = model;
        this.starter = starter;
        this.reporter = reporter;
        this.worker = new Thread(this, "tpb-instance-" + name);
        this.worker.setDaemon(true);
    }

    String name() {
        return name;
    }

    /** Starts the stub (and initializes the model); errors propagate to the loader. */
    void start() {
        stub = starter.get();
    }

    void startWorker() {
        worker.start();
    }

    StubProcess stub() {
        return stub;
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

    @Override
    public void run() {
        long backoff = 100;
        while (running || ahead != null) { // a batch sent ahead is always finished: its requests wait for it
            InFlight current = ahead;
            ahead = null;
            if (current == null) {
                if (!healthy()) {
                    if (!restart()) {
                        model.failQueuedIfNoInstanceServes(notHealthy());
                        sleep(backoff);
                        backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                        continue;
                    }
                    backoff = 100;
                }
                List<Pending> batch = model.nextBatch(100);
                if (batch.isEmpty()) {
                    continue;
                }
                current = send(batch, false);
                if (current == null) {
                    continue;
                }
            }
            try {
                finish(current);
            } catch (RuntimeException e) {
                // A malformed result or a bug: fail this batch (futures already completed stay as they are).
                reporter.warn("instance '" + name + "': " + e);
                failAll(current.batch, System.nanoTime(), "Received unexpected response from Python backend stub: "
                        + model.name() + " (" + e.getMessage() + ")");
            } finally {
                model.batchDone(current.batch.size());
            }
        }
    }

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

    /**
     * Places the batch's inputs in the heap and sends the EXECUTE. Never throws: when that fails it returns null,
     * with the batch's futures failed and the model told that the batch is done.
     */
    private InFlight send(List<Pending> batch, boolean ahead) {
        long start = System.nanoTime();
        try {
            StubConnection c = stub.connection();
            c.beginExecute();
            List<Wire.Request> wire = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                List<Wire.Tensor> inputs = new ArrayList<>(p.request.inputs().size());
                for (InferInput in : p.request.inputs()) {
                    ByteBuffer data = in.data();
                    long offset = c.putInput(data);
                    inputs.add(new Wire.Tensor(in.name(), in.datatype().name(), in.shape(), offset, data.remaining()));
                }
                InferRequest r = p.request;
                wire.add(new Wire.Request(r.id(), r.correlationId(), r.flags(), r.timeoutMicros(), r.parametersJson(),
                        r.requestedOutputs(), inputs));
            }
            long sent = System.nanoTime();
            return new InFlight(batch, c, c.sendExecute(wire), start, sent, ahead);
        } catch (StubGoneException e) {
            broken = true;
            failAll(batch, start, notHealthy());
        } catch (TpbException e) {
            failAll(batch, start, e.getMessage());
        } catch (RuntimeException e) {
            // a bug: fail this batch, keep the instance serving
            reporter.warn("instance '" + name + "': " + e);
            failAll(batch, start, "Failed to send the request(s) to Python backend stub: " + model.name() + " ("
                    + e + ")");
        }
        model.batchDone(batch.size());
        return null;
    }

    /**
     * Waits for a sent batch's result and answers its requests. When every answer is small enough to be copied
     * out of shared memory, the stub's heap is free again before the answers are written: then the next queued
     * batch is sent first ({@link #ahead}), and the stub works on it while this thread writes the responses.
     */
    private void finish(InFlight f) {
        List<Pending> batch = f.batch;
        StubConnection c = f.connection;
        Wire.ExecuteResult result;
        try {
            result = c.awaitExecute(f.id, model::hasWaiting);
        } catch (StubGoneException e) {
            broken = true;
            failAll(batch, f.start, notHealthy());
            return;
        } catch (TpbException e) {
            // A result tpb cannot read (or out of step): the stub's pins are unknown, so its heap cannot be trusted
            // for the next batch. Fail this one and start a fresh stub.
            broken = true;
            reporter.warn("instance '" + name + "': " + e.getMessage() + "; restarting the stub");
            failAll(batch, f.start, e.getMessage());
            return;
        }
        long done = System.nanoTime();
        // A batch sent ahead may have been answered while this thread was still writing the previous answers
        long compute = f.ahead && result.executeNanos() > 0 ? result.executeNanos() : done - f.sent;
        if (result.error() != null) {
            model.stats().execution(batchItems(batch), f.sent - f.start, compute, 0);
            failAll(batch, f.start, result.error());
            return;
        }
        List<Wire.Response> responses = result.responses();
        int large = 0;
        for (int i = 0; i < responses.size() && i < batch.size(); i++) {
            if (responses.get(i).error() == null && !copied(responses.get(i))) {
                large++;
            }
        }
        CountDownLatch released = new CountDownLatch(large);
        List<InferResult> answers = new ArrayList<>(batch.size());
        int i = 0;
        try {
            for (; i < responses.size(); i++) {
                if (i < batch.size()) {
                    answers.add(toResult(c, batch.get(i), responses.get(i), released));
                } else if (responses.get(i).error() == null) {
                    c.release(); // more responses than requests: nobody asked for this one
                }
            }
        } catch (RuntimeException e) {
            // Give back the holds execute() took: through the answers made so far, directly for the rest.
            answers.forEach(InferResult::close);
            for (int k = i; k < responses.size(); k++) {
                if (responses.get(k).error() == null) {
                    c.release();
                }
            }
            throw e;
        }
        for (int k = answers.size(); k < batch.size(); k++) {
            answers.add(InferResult.failed(model.name(), model.version(), batch.get(k).request.id(),
                    new InferError("Received unexpected response from Python backend stub: " + model.name(),
                            ErrorCode.INTERNAL)));
        }
        long answered = System.nanoTime();
        if (large == 0 && running && healthy()) {
            List<Pending> next = model.nextBatchNow(MAX_AHEAD_INPUT_BYTES);
            if (!next.isEmpty()) {
                ahead = send(next, true);
            }
        }
        // Statistics first: a response may be written (and the statistics read) the moment a future completes.
        for (int k = 0; k < batch.size(); k++) {
            Pending p = batch.get(k);
            model.stats().request(answers.get(k).error().isEmpty(), done - p.arrivalNanos, f.start - p.arrivalNanos,
                    p.batchItems);
        }
        model.stats().execution(batchItems(batch), f.sent - f.start, compute, answered - done);
        for (int k = 0; k < batch.size(); k++) {
            batch.get(k).future.complete(answers.get(k));
        }
        // Large outputs are views of this stub's heap: the next batch may only start once they are written out.
        awaitRelease(released);
    }

    private String notHealthy() {
        return "Failed to process the request(s) for model instance '" + name + "', message: Stub process '" + name
                + "' is not healthy.";
    }

    /** A response whose outputs together are at most {@link #MAX_COPY_BYTES}: copied out at once. */
    private static boolean copied(Wire.Response r) {
        long total = 0;
        for (Wire.Tensor t : r.outputs()) {
            total += t.nbytes();
        }
        return total <= MAX_COPY_BYTES;
    }

    /**
     * The answer to one request. Small outputs are copied out of shared memory here, and the response's hold on
     * the region given back at once: a copy of a few KiB costs far less than keeping the stub waiting until the
     * answer has been written to the client. Large outputs stay views of shared memory (zero-copy); closing the
     * result gives back its hold and counts down {@code released}.
     */
    private InferResult toResult(StubConnection c, Pending p, Wire.Response r, CountDownLatch released) {
        if (r.error() != null) {
            return InferResult.failed(model.name(), model.version(), p.request.id(),
                    new InferError(r.error().message(), ErrorCode.parse(r.error().code())));
        }
        boolean copy = copied(r);
        List<InferOutput> outputs = new ArrayList<>(r.outputs().size());
        for (Wire.Tensor t : r.outputs()) {
            DataType type = DataType.parse(t.datatype()).orElse(DataType.UINT8);
            ByteBuffer view = c.buffer(t.offset(), t.nbytes());
            ByteBuffer data = copy ? ByteBuffer.allocate(view.remaining()).put(view).flip() : view.asReadOnlyBuffer();
            outputs.add(new InferOutput(t.name(), type, t.shape(), data.order(java.nio.ByteOrder.LITTLE_ENDIAN)));
        }
        Runnable release;
        if (copy) {
            c.release();
            release = () -> { };
        } else {
            release = () -> {
                c.release();
                released.countDown();
            };
        }
        return new InferResult(model.name(), model.version(), p.request.id(), r.parametersJson(), outputs, null,
                release);
    }

    private void failAll(List<Pending> batch, long start, String message) {
        long now = System.nanoTime();
        for (Pending p : batch) {
            model.stats().request(false, now - p.arrivalNanos, start - p.arrivalNanos, p.batchItems);
            p.future.complete(InferResult.failed(model.name(), model.version(), p.request.id(),
                    new InferError(message, ErrorCode.INTERNAL)));
        }
    }

    private static long batchItems(List<Pending> batch) {
        long n = 0;
        for (Pending p : batch) {
            n += p.batchItems;
        }
        return n;
    }

    private void awaitRelease(CountDownLatch released) {
        try {
            while (!released.await(30, TimeUnit.SECONDS)) {
                reporter.warn("instance '" + name + "' is waiting for responses to be written before its next batch");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops taking work, finalizes the model and stops the stub. Returns finalize()'s error, if any. */
    String stop(long timeoutMillis) {
        running = false;
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
            // Still executing (or its results are still being written): FINALIZE would share the connection with
            // it. Stop the stub without finalize(), as Triton does with a stub that does not answer.
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
