package dev.tpb.runtime;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/** Per-model counters in Triton's statistics shape (kserve-v2.md §13); updated by the scheduler. */
public final class ModelStats {
    /** {"count": n, "ns": total nanoseconds}. */
    public record Duration(long count, long ns) {
    }

    public record Batch(long batchSize, Duration computeInput, Duration computeInfer, Duration computeOutput) {
    }

    public record Snapshot(long lastInferenceMillis, long inferenceCount, long executionCount, Duration success,
                           Duration fail, Duration queue, Duration computeInput, Duration computeInfer,
                           Duration computeOutput, Map<Long, Batch> batches) {
    }

    private static final class Counter {
        final AtomicLong count = new AtomicLong();
        final AtomicLong ns = new AtomicLong();

        void add(long nanos) {
            count.incrementAndGet();
            ns.addAndGet(nanos);
        }

        Duration snapshot() {
            return new Duration(count.get(), ns.get());
        }
    }

    private final AtomicLong lastInference = new AtomicLong();
    private final AtomicLong inferenceCount = new AtomicLong();
    private final AtomicLong executionCount = new AtomicLong();
    private final Counter success = new Counter();
    private final Counter fail = new Counter();
    private final Counter queue = new Counter();
    private final Counter computeInput = new Counter();
    private final Counter computeInfer = new Counter();
    private final Counter computeOutput = new Counter();
    private final Map<Long, Counter[]> batches = new TreeMap<>();

    /** One request finished: {@code totalNanos} from arrival to response, {@code queueNanos} waiting. */
    public void request(boolean ok, long totalNanos, long queueNanos, long batchItems) {
        (ok ? success : fail).add(totalNanos);
        if (ok) {
            queue.add(queueNanos);
            inferenceCount.addAndGet(batchItems);
        }
        lastInference.set(System.currentTimeMillis());
    }

    /** One execute() call of {@code batchSize} items. */
    public void execution(long batchSize, long inputNanos, long inferNanos, long outputNanos) {
        executionCount.incrementAndGet();
        computeInput.add(inputNanos);
        computeInfer.add(inferNanos);
        computeOutput.add(outputNanos);
        Counter[] b;
        synchronized (batches) {
            b = batches.computeIfAbsent(batchSize, k -> new Counter[] {new Counter(), new Counter(), new Counter()});
        }
        b[0].add(inputNanos);
        b[1].add(inferNanos);
        b[2].add(outputNanos);
    }

    public Snapshot snapshot() {
        Map<Long, Batch> b = new TreeMap<>();
        synchronized (batches) {
            batches.forEach((size, c) -> b.put(size, new Batch(size, c[0].snapshot(), c[1].snapshot(), c[2].snapshot())));
        }
        return new Snapshot(lastInference.get(), inferenceCount.get(), executionCount.get(), success.snapshot(),
                fail.snapshot(), queue.snapshot(), computeInput.snapshot(), computeInfer.snapshot(),
                computeOutput.snapshot(), b);
    }
}
