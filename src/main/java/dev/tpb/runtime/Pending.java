package dev.tpb.runtime;

import java.util.concurrent.atomic.AtomicInteger;

/** A request from its arrival to its last response: queued, sent to a stub, done. */
final class Pending implements RequestHandle {
    static final int QUEUED = 0;
    static final int SENT = 1;
    static final int DONE = 2;

    final InferRequest request;
    final long arrivalNanos = System.nanoTime();
    final long batchItems;
    final ResponseSink sink;
    /** When a queue policy rejects it (System.nanoTime), or Long.MAX_VALUE. */
    final long deadlineNanos;
    /** Runs once its inputs are in a stub's memory (a BLS request: the caller's copies may go). */
    final Runnable inputsPlaced;
    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private final LoadedModel model;
    /** The instance it was sent to, which applies a cancellation on its own thread. */
    volatile ModelInstance instance;
    volatile boolean cancelled;

    Pending(LoadedModel model, InferRequest request, long batchItems, ResponseSink sink, long deadlineNanos,
            Runnable inputsPlaced) {
        this.model = model;
        this.request = request;
        this.batchItems = batchItems;
        this.sink = sink;
        this.deadlineNanos = deadlineNanos;
        this.inputsPlaced = inputsPlaced;
    }

    long inputBytes() {
        long n = 0;
        for (InferInput in : request.inputs()) {
            n += in.data().remaining();
        }
        return n;
    }

    /** Taken from the queue for a batch: false when it was cancelled meanwhile. */
    boolean take() {
        return state.compareAndSet(QUEUED, SENT);
    }

    /** Back to the queue (rescheduled). */
    void requeue() {
        state.set(QUEUED);
    }

    /** Completes it: false when it already was. */
    boolean finish() {
        return state.getAndSet(DONE) != DONE;
    }

    boolean queued() {
        return state.get() == QUEUED;
    }

    boolean done() {
        return state.get() == DONE;
    }

    @Override
    public void cancel() {
        cancelled = true;
        if (state.compareAndSet(QUEUED, DONE)) {
            model.cancelQueued(this);
        } else {
            ModelInstance i = instance;
            if (i != null && state.get() == SENT) {
                i.cancel(this);
            }
        }
    }
}
