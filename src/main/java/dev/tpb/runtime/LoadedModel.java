package dev.tpb.runtime;

import dev.tpb.env.EnvCache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One version of a model, loaded: its configuration, its instances and the queue they take requests from.
 * Without dynamic_batching each execute() gets one request; with it, concurrent requests are gathered into
 * one execute() call up to max_batch_size, waiting at most max_queue_delay_microseconds, as Triton does.
 */
public final class LoadedModel {
    private final ModelSpec spec;
    private final long version;
    private final Path modelDir;
    private final LinkedBlockingDeque<Pending> queue;
    private final List<ModelInstance> instances = new ArrayList<>();
    private final ModelStats stats = new ModelStats();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** A request taken from the queue that did not fit in a batch: it goes first next time (never re-queued). */
    private final java.util.concurrent.ConcurrentLinkedDeque<Pending> carried = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private volatile ModelState state = ModelState.LOADING;
    /** The execution environment, kept on disk while this model's stubs may run in it. */
    private EnvCache.Lease environment;

    LoadedModel(ModelSpec spec, long version, Path modelDir, int maxQueueSize) {
        this.spec = spec;
        this.version = version;
        this.modelDir = modelDir;
        this.queue = new LinkedBlockingDeque<>(maxQueueSize);
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
     * Queues a request. The future completes with the model's answer (which may be an error); a full queue or a
     * model that is not serving answers at once with UNAVAILABLE.
     */
    public CompletableFuture<InferResult> submit(InferRequest request) {
        Pending p = new Pending(request, request.batchSize(spec.batches()));
        // Atomic with unload()'s state change, so that no request slips into a queue nobody drains any more.
        synchronized (this) {
            if (state != ModelState.READY) {
                return failed(request, "Model '" + name() + "' is not ready", ErrorCode.UNAVAILABLE);
            }
            if (!instances.isEmpty() && instances.stream().allMatch(ModelInstance::failing)) {
                String instance = instances.get(0).name();
                return failed(request, "Failed to process the request(s) for model instance '" + instance
                        + "', message: Stub process '" + instance + "' is not healthy.", ErrorCode.INTERNAL);
            }
            inFlight.incrementAndGet();
            if (!queue.offerLast(p)) {
                inFlight.decrementAndGet();
                return failed(request, "Exceeds maximum queue size", ErrorCode.UNAVAILABLE);
            }
        }
        return p.future;
    }

    private CompletableFuture<InferResult> failed(InferRequest request, String message, ErrorCode code) {
        return CompletableFuture.completedFuture(InferResult.failed(name(), version, request.id(),
                new InferError(message, code)));
    }

    /** After a failed restart: when no instance can serve, what waits gets Triton's "not healthy" error. */
    void failQueuedIfNoInstanceServes(String message) {
        if (instances.stream().anyMatch(ModelInstance::healthy)) {
            return;
        }
        for (Pending p; (p = pollPending()) != null; ) {
            stats.request(false, System.nanoTime() - p.arrivalNanos, 0, p.batchItems);
            inFlight.decrementAndGet();
            p.future.complete(InferResult.failed(name(), version, p.request.id(), new InferError(message, ErrorCode.INTERNAL)));
        }
    }

    private Pending pollPending() {
        Pending p = carried.pollFirst();
        return p != null ? p : queue.pollFirst();
    }

    /** Called by an instance's worker: the next batch to execute, or empty after {@code waitMillis}. */
    List<Pending> nextBatch(long waitMillis) {
        Pending first = carried.pollFirst();
        try {
            if (first == null) {
                first = queue.pollFirst(waitMillis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
        if (first == null) {
            return List.of();
        }
        List<Pending> batch = new ArrayList<>();
        batch.add(first);
        if (spec.dynamicBatching().isPresent() && spec.batches()) {
            fill(batch, spec.dynamicBatching().get(), true);
        }
        return batch;
    }

    /**
     * The batch {@link #nextBatch} would form from what is queued right now, if forming it needs no waiting, and
     * if its inputs total at most {@code maxInputBytes}; otherwise empty, with nothing taken. For an instance that
     * sends its next batch while it writes the answers of the last one: that must not delay those answers.
     */
    List<Pending> nextBatchNow(long maxInputBytes) {
        Pending first = pollPending();
        if (first == null) {
            return List.of();
        }
        List<Pending> batch = new ArrayList<>();
        batch.add(first);
        if (spec.dynamicBatching().isPresent() && spec.batches()) {
            DynamicBatching db = spec.dynamicBatching().get();
            // Short of the preferred size, the first request may still wait for company (max_queue_delay)
            if (!fill(batch, db, false) && System.nanoTime() < deadline(first, db)) {
                return putBack(batch);
            }
        }
        long bytes = 0;
        for (Pending p : batch) {
            bytes += p.inputBytes();
        }
        return bytes <= maxInputBytes ? batch : putBack(batch);
    }

    /**
     * Adds queued requests to {@code batch} (which holds its first one) up to the preferred batch size, never beyond
     * max_batch_size; with {@code wait}, waits for them until the first request's max_queue_delay has passed.
     * Returns whether the preferred size was reached.
     */
    private boolean fill(List<Pending> batch, DynamicBatching db, boolean wait) {
        long limit = spec.maxBatchSize();
        long target = preferredSize(db, limit);
        long deadline = deadline(batch.get(0), db);
        long size = batch.get(0).batchItems;
        while (size < target) {
            Pending next = carried.pollFirst();
            if (next == null) {
                long left = wait ? deadline - System.nanoTime() : 0;
                try {
                    next = left > 0 ? queue.pollFirst(left, TimeUnit.NANOSECONDS) : queue.pollFirst();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (next == null) {
                break;
            }
            if (size + next.batchItems > limit) {
                carried.offerFirst(next);
                break;
            }
            batch.add(next);
            size += next.batchItems;
        }
        return size >= target;
    }

    private static long deadline(Pending first, DynamicBatching db) {
        return first.arrivalNanos + db.maxQueueDelayMicros() * 1000;
    }

    private List<Pending> putBack(List<Pending> batch) {
        for (int i = batch.size() - 1; i >= 0; i--) {
            carried.offerFirst(batch.get(i));
        }
        return List.of();
    }

    private static long preferredSize(DynamicBatching db, long limit) {
        return db.preferredBatchSizes().stream().mapToLong(Integer::longValue).filter(s -> s <= limit).max()
                .orElse(limit);
    }

    /** Requests are queued that no instance has taken yet. */
    boolean hasWaiting() {
        return !carried.isEmpty() || queue.peekFirst() != null;
    }

    void batchDone(int requests) {
        inFlight.addAndGet(-requests);
    }

    /** Requests queued or executing. */
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
        for (Pending p; (p = pollPending()) != null; ) {
            inFlight.decrementAndGet();
            p.future.complete(InferResult.failed(name(), version, p.request.id(),
                    new InferError("Model '" + name() + "' is being unloaded", ErrorCode.UNAVAILABLE)));
        }
    }
}
