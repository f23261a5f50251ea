package dev.tpb.runtime;

import java.util.concurrent.CompletableFuture;

/**
 * The sink of a request that is answered once (a model that is not decoupled): the first response, or the error,
 * completes the future; a final flag sent afterwards on its own is ignored.
 */
public final class FirstResponse implements ResponseSink {
    private final CompletableFuture<InferResult> future = new CompletableFuture<>();

    public CompletableFuture<InferResult> future() {
        return future;
    }

    @Override
    public void onResponse(InferResult result, boolean last) {
        if (result == null) {
            if (last && !future.isDone()) {
                future.complete(InferResult.failed("", 0, "", new InferError("the model completed the request "
                        + "without a response", ErrorCode.INTERNAL)));
            }
            return;
        }
        if (!future.complete(result)) {
            result.close(); // only one response is returned
        }
    }
}
