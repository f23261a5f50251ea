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

    private final String name;
    private final LoadedModel model;
    private final Supplier<StubProcess> starter;
    private final Reporter reporter;
    private final Thread worker;
    private volatile StubProcess stub;
    private volatile boolean running = true;
    private volatile boolean busy;
    /** Set when the stub's connection broke: it may not have been reaped yet, but it is gone. */
    private volatile boolean broken;
    /** The last restart failed: requests should not wait for this instance. */
    private volatile boolean restartFailing;
    private int restarts;

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
        while (running) {
            if (!healthy()) {
                if (!restart()) {
                    model.failQueuedIfNoInstanceServes("Failed to process the request(s) for model instance '" + name
                            + "', message: Stub process '" + name + "' is not healthy.");
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
            busy = true;
            try {
                execute(batch);
            } catch (RuntimeException e) {
                // A malformed result or a bug: fail this batch (futures already completed stay as they are).
                reporter.warn("instance '" + name + "': " + e);
                failAll(batch, System.nanoTime(), "Received unexpected response from Python backend stub: "
                        + model.name() + " (" + e.getMessage() + ")");
            } finally {
                busy = false;
                model.batchDone(batch.size());
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

    private void execute(List<Pending> batch) {
        StubProcess s = stub;
        StubConnection c = s.connection();
        long start = System.nanoTime();
        Wire.ExecuteResult result;
        long sent;
        try {
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
            sent = System.nanoTime();
            result = c.execute(wire);
        } catch (StubGoneException e) {
            broken = true;
            failAll(batch, start, "Failed to process the request(s) for model instance '" + name
                    + "', message: Stub process '" + name + "' is not healthy.");
            return;
        } catch (TpbException e) {
            failAll(batch, start, e.getMessage());
            return;
        }
        long done = System.nanoTime();
        if (result.error() != null) {
            model.stats().execution(batchItems(batch), sent - start, done - sent, 0);
            failAll(batch, start, result.error());
            return;
        }
        CountDownLatch released = new CountDownLatch(batch.size());
        List<InferResult> answers = new ArrayList<>(batch.size());
        try {
            for (int i = 0; i < batch.size(); i++) {
                Pending p = batch.get(i);
                InferResult answer = i < result.responses().size()
                        ? toResult(c, p, result.responses().get(i), () -> {
                            c.release();
                            released.countDown();
                        })
                        : InferResult.failed(model.name(), model.version(), p.request.id(),
                        new InferError("Received unexpected response from Python backend stub: " + model.name(),
                                ErrorCode.INTERNAL));
                if (answer.error().isPresent() || i >= result.responses().size()) {
                    released.countDown();
                }
                answers.add(answer);
            }
        } catch (RuntimeException e) {
            // Nothing was handed out yet: give back every hold execute() took, then fail the batch.
            result.responses().stream().filter(r -> r.error() == null).forEach(r -> c.release());
            throw e;
        }
        // Statistics first: a response may be written (and the statistics read) the moment a future completes.
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            model.stats().request(answers.get(i).error().isEmpty(), done - p.arrivalNanos, start - p.arrivalNanos,
                    p.batchItems);
        }
        model.stats().execution(batchItems(batch), sent - start, done - sent, System.nanoTime() - done);
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).future.complete(answers.get(i));
        }
        // Outputs are views of this stub's heap: the next batch may only start once every result is closed.
        awaitRelease(released);
    }

    private InferResult toResult(StubConnection c, Pending p, Wire.Response r, Runnable release) {
        if (r.error() != null) {
            return InferResult.failed(model.name(), model.version(), p.request.id(),
                    new InferError(r.error().message(), ErrorCode.parse(r.error().code())));
        }
        List<InferOutput> outputs = new ArrayList<>(r.outputs().size());
        for (Wire.Tensor t : r.outputs()) {
            DataType type = DataType.parse(t.datatype()).orElse(DataType.UINT8);
            outputs.add(new InferOutput(t.name(), type, t.shape(), c.buffer(t.offset(), t.nbytes()).asReadOnlyBuffer()
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)));
        }
        return new InferResult(model.name(), model.version(), p.request.id(), r.parametersJson(), outputs, null, release);
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

    boolean busy() {
        return busy;
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
