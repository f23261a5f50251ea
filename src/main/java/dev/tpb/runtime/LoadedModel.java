package dev.tpb.runtime;

import dev.tpb.env.EnvCache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One version of a model, loaded: its configuration, its instances and the queue they take requests from.
 * Without dynamic_batching each execute() gets one request; with it, queued requests are gathered into one
 * execute() call up to max_batch_size, waiting at most max_queue_delay_microseconds, as Triton does.
 */
public final class LoadedModel {
    /** The message of a request cancelled before it ran (Triton's core answers CANCELLED with no text). */
    static final String CANCELLED = "Request was cancelled";

    private final ModelSpec spec;
    private final long version;
    private final Path modelDir;
    private final LinkedBlockingDeque<Pending> queue;
    private final List<ModelInstance> instances = new ArrayList<>();
    private final ModelStats stats = new ModelStats();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger wakeRotation = new AtomicInteger();
    /** The instance waiting for the dynamic batch being formed to fill up (its deadline): others leave it alone. */
    private volatile ModelInstance filler;
    /** Requests taken from the queue that did not fit in a batch: they go first next time. */
    private final ConcurrentLinkedDeque<Pending> carried = new ConcurrentLinkedDeque<>();
    private volatile ModelState state = ModelState.LOADING;
    /** The execution environment, kept on disk while this model's stubs may run in it. */
    private EnvCache.Lease environment;

    LoadedModel(ModelSpec spec, long version, Path modelDir, int maxQueueSize) {
        this.spec = spec;
        this.version = version;
        this.modelDir = modelDir;
        int policyLimit = spec.queuePolicy().maxQueueSize();
        this.queue = new LinkedBlockingDeque<>(policyLimit > 0 ? policyLimit : maxQueueSize);
    }

    public String name() {
        return spec.name();
    }

    public long version() {
        return version;
    }

    public ModelSpec spec() {
        return spec;
    }

    public Path modelDir() {
        return modelDir;
    }

    public ModelStats stats() {
        return stats;
    }

    public ModelState state() {
        return state;
    }

    /** Ready: loaded and at least one instance has a live stub. */
    public boolean ready() {
        return state == ModelState.READY && instances.stream().anyMatch(ModelInstance::healthy);
    }

    public List<String> instanceNames() {
        return instances.stream().map(ModelInstance::name).toList();
    }

    /** Stub processes currently running, by instance name (for status tables and tests). */
    public List<StubProcess> stubs() {
        List<StubProcess> list = new ArrayList<>();
        for (ModelInstance i : instances) {
            if (i.stub() != null) {
                list.add(i.stub());
            }
        }
        return list;
    }

    public int restarts() {
        return instances.stream().mapToInt(ModelInstance::restarts).sum();
    }

    /**
     * Queues a request of a model that answers once (not decoupled). The future completes with the model's answer
     * (which may be an error); a full queue or a model that is not serving answers at once with UNAVAILABLE.
     */
    public CompletableFuture<InferResult> submit(InferRequest request) {
        FirstResponse sink = new FirstResponse();
        submit(request, sink, null);
        return sink.future();
    }

    /**
     * Queues a request whose responses go to {@code sink} (any number for a decoupled model, else one);
     * {@code inputsPlaced}, if given, runs once its inputs have been copied into a stub's memory.
     */
    public RequestHandle submit(InferRequest request, ResponseSink sink, Runnable inputsPlaced) {
        long deadline = deadline(request);
        Pending p = new Pending(this, request, request.batchSize(spec.batches()), sink, deadline, inputsPlaced);
        // Atomic with unload()'s state change, so that no request slips into a queue nobody drains any more.
        synchronized (this) {
            if (state != ModelState.READY) {
                return reject(p, "Model '" + name() + "' is not ready", ErrorCode.UNAVAILABLE);
            }
            if (!instances.isEmpty() && instances.stream().allMatch(ModelInstance::failing)) {
                String instance = instances.get(0).name();
                return reject(p, "Failed to process the request(s) for model instance '" + instance
                        + "', message: Stub process '" + instance + "' is not healthy.", ErrorCode.INTERNAL);
            }
            inFlight.incrementAndGet();
            if (!queue.offerLast(p)) {
                inFlight.decrementAndGet();
                return reject(p, "Exceeds maximum queue size", ErrorCode.UNAVAILABLE);
            }
        }
        wakeAnInstance();
        return p;
    }

    /** When a queue policy rejects the request: dynamic_batching's default_queue_policy (Triton's PolicyQueue). */
    private long deadline(InferRequest request) {
        QueuePolicy policy = spec.queuePolicy();
        if (policy.timeoutAction() != QueuePolicy.Action.REJECT || spec.dynamicBatching().isEmpty()) {
            return Long.MAX_VALUE;
        }
        long micros = policy.defaultTimeoutMicros();
        // A request's own timeout may only shorten the default, and only when the policy allows it.
        if (policy.allowTimeoutOverride() && request.timeoutMicros() != 0 && request.timeoutMicros() < micros) {
            micros = request.timeoutMicros();
        }
        return micros == 0 ? Long.MAX_VALUE : System.nanoTime() + micros * 1000;
    }

    private RequestHandle reject(Pending p, String message, ErrorCode code) {
        p.finish();
        p.sink.onResponse(InferResult.failed(name(), version, p.request.id(), new InferError(message, code)), true);
        return RequestHandle.NONE;
    }

    private void wakeAnInstance() {
        wakeAnInstance(null);
    }

    /**
     * Wakes one idle instance other than {@code except}, trying them in turn from a rotating start: so that work
     * queued while one instance is busy (or waits to fill a batch) reaches the others.
     */
    void wakeAnInstance(ModelInstance except) {
        int n = instances.size();
        int start = Math.floorMod(wakeRotation.getAndIncrement(), Math.max(1, n));
        for (int k = 0; k < n; k++) {
            ModelInstance i = instances.get((start + k) % n);
            if (i != except && i.wakeIfIdle()) {
                return;
            }
        }
    }

    /** A queued request was cancelled (Pending.cancel): out of the queue, answered with CANCELLED. */
    void cancelQueued(Pending p) {
        if (!queue.remove(p)) {
            carried.remove(p);
        }
        complete(p, InferResult.failed(name(), version, p.request.id(), new InferError(CANCELLED, ErrorCode.CANCELLED)),
                0);
    }

    /**
     * The end of a request: its last response to the sink, statistics, the in-flight count. Whoever finishes a
     * request calls this once (Pending.finish decides who).
     */
    void complete(Pending p, InferResult last, long queueNanos) {
        boolean ok = last == null || last.error().isEmpty();
        stats.request(ok, System.nanoTime() - p.arrivalNanos, queueNanos, p.batchItems);
        inFlight.decrementAndGet();
        p.sink.onResponse(last, true);
    }

    /** After a failed restart: when no instance can serve, what waits gets Triton's "not healthy" error. */
    void failQueuedIfNoInstanceServes(String message) {
        if (instances.stream().anyMatch(ModelInstance::healthy)) {
            return;
        }
        for (Pending p; (p = pollLive()) != null; ) {
            if (p.finish()) {
                complete(p, InferResult.failed(name(), version, p.request.id(), new InferError(message,
                        ErrorCode.INTERNAL)), 0);
            }
        }
    }

    /** The next queued request that is still wanted; cancelled ones are skipped, expired ones rejected. */
    private Pending pollLive() {
        while (true) {
            Pending p = carried.pollFirst();
            if (p == null) {
                p = queue.pollFirst();
            }
            if (p == null) {
                return null;
            }
            if (!p.take()) {
                continue; // cancelled: already answered
            }
            if (System.nanoTime() > p.deadlineNanos) {
                if (p.finish()) {
                    complete(p, InferResult.failed(name(), version, p.request.id(),
                            new InferError("Request timeout expired", ErrorCode.UNAVAILABLE)), 0);
                }
                continue;
            }
            return p;
        }
    }

    /**
     * The next batch to execute from what is queued now, or empty: nothing is queued, a dynamic batch short of its
     * preferred size may still wait for company (see {@link #batchWaitNanos}), or its inputs exceed
     * {@code maxInputBytes} (then it stays queued for later).
     */
    List<Pending> nextBatch(ModelInstance caller, long maxInputBytes) {
        ModelInstance f = filler;
        if (f != null && f != caller && f.healthy() && batchWaitNanos(f) > 0) {
            return List.of(); // another instance waits to fill this batch (as the one that took its first request)
        }
        Pending first = pollLive();
        if (first == null) {
            return List.of();
        }
        List<Pending> batch = new ArrayList<>();
        batch.add(first);
        if (spec.dynamicBatching().isPresent() && spec.batches()) {
            DynamicBatching db = spec.dynamicBatching().get();
            if (!fill(batch, db) && System.nanoTime() < batchDeadline(first, db)) {
                filler = caller;
                return putBack(batch);
            }
        }
        if (filler == caller) {
            filler = null;
        }
        if (maxInputBytes < Long.MAX_VALUE) {
            long bytes = 0;
            for (Pending p : batch) {
                bytes += p.inputBytes();
            }
            if (bytes > maxInputBytes) {
                return putBack(batch);
            }
        }
        return batch;
    }

    /**
     * How long the oldest queued request may still wait for a dynamic batch to fill (0: form it now); -1 when
     * nothing is queued.
     */
    long batchWaitNanos(ModelInstance caller) {
        ModelInstance f = filler;
        if (f != null && f != caller && f.healthy() && hasWaiting()) {
            return -1; // the instance filling this batch takes it; this one waits for more work
        }
        Pending first = carried.peekFirst();
        if (first == null) {
            first = queue.peekFirst();
        }
        if (first == null) {
            return -1;
        }
        if (spec.dynamicBatching().isEmpty() || !spec.batches()) {
            return 0;
        }
        return Math.max(0, batchDeadline(first, spec.dynamicBatching().get()) - System.nanoTime());
    }

    /**
     * Adds queued requests to {@code batch} (which holds its first one) up to the preferred batch size, never beyond
     * max_batch_size. Returns whether the preferred size was reached.
     */
    private boolean fill(List<Pending> batch, DynamicBatching db) {
        long limit = spec.maxBatchSize();
        long target = preferredSize(db, limit);
        long size = batch.get(0).batchItems;
        while (size < target) {
            Pending next = pollLive();
            if (next == null) {
                break;
            }
            if (size + next.batchItems > limit) {
                next.requeue();
                carried.offerFirst(next);
                break;
            }
            batch.add(next);
            size += next.batchItems;
        }
        return size >= target;
    }

    private static long batchDeadline(Pending first, DynamicBatching db) {
        return first.arrivalNanos + db.maxQueueDelayMicros() * 1000;
    }

    private List<Pending> putBack(List<Pending> batch) {
        for (int i = batch.size() - 1; i >= 0; i--) {
            batch.get(i).requeue();
            carried.offerFirst(batch.get(i));
        }
        return List.of();
    }

    private static long preferredSize(DynamicBatching db, long limit) {
        return db.preferredBatchSizes().stream().mapToLong(Integer::longValue).filter(s -> s <= limit).max()
                .orElse(limit);
    }

    /** A rescheduled request goes back to the end of the queue, as a new arrival would (Triton re-enqueues it). */
    void reschedule(Pending p) {
        p.requeue();
        if (!queue.offerLast(p) && p.finish()) {
            complete(p, InferResult.failed(name(), version, p.request.id(),
                    new InferError("Exceeds maximum queue size", ErrorCode.UNAVAILABLE)), 0);
            return;
        }
        if (state != ModelState.READY) {
            failUnloading(); // unloading meanwhile: nobody takes it any more
        }
        wakeAnInstance();
    }

    /** Requests are queued that no instance has taken yet. */
    boolean hasWaiting() {
        return !carried.isEmpty() || queue.peekFirst() != null;
    }

    /** Requests queued, executing or still answering. */
    public int inFlight() {
        return inFlight.get();
    }

    void addInstance(ModelInstance instance) {
        instances.add(instance);
    }

    List<ModelInstance> instances() {
        return instances;
    }

    void markReady() {
        state = ModelState.READY;
        instances.forEach(ModelInstance::startWorker);
    }

    /**
     * Stops accepting requests, lets queued and running ones finish (up to {@code drainMillis}), then finalizes
     * every instance. Returns finalize() errors, one line per instance.
     */
    List<String> unload(long drainMillis) {
        synchronized (this) {
            state = ModelState.UNLOADING;
        }
        long deadline = System.currentTimeMillis() + drainMillis;
        while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        failUnloading();
        List<String> errors = new ArrayList<>();
        List<Thread> stoppers = new ArrayList<>();
        for (ModelInstance instance : instances) {
            Thread t = new Thread(() -> {
                String error = instance.stop(5_000);
                if (error != null) {
                    synchronized (errors) {
                        errors.add(instance.name() + ": " + error);
                    }
                }
            }, "tpb-unload-" + instance.name());
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        failUnloading(); // a worker still running after the drain may have put a request back
        state = ModelState.UNAVAILABLE;
        if (environment != null) {
            environment.close();
        }
        return errors;
    }

    void holdEnvironment(EnvCache.Lease lease) {
        this.environment = lease;
    }

    private void failUnloading() {
        for (Pending p; (p = pollLive()) != null; ) {
            if (p.finish()) {
                complete(p, InferResult.failed(name(), version, p.request.id(),
                        new InferError("Model '" + name() + "' is being unloaded", ErrorCode.UNAVAILABLE)), 0);
            }
        }
    }
}
