package dev.tpb.runtime;

import java.util.concurrent.CompletableFuture;

/** A request waiting in a model's queue. */
final class Pending {
    final InferRequest request;
    final long arrivalNanos = System.nanoTime();
    final long batchItems;
    final CompletableFuture<InferResult> future = new CompletableFuture<>();

    Pending(InferRequest request, long batchItems) {
        this.request = request;
        this.batchItems = batchItems;
    }

    long inputBytes() {
        long n = 0;
        for (InferInput in : request.inputs()) {
            n += in.data().remaining();
        }
        return n;
    }
}
