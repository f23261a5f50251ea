package dev.tpb.runtime;

/** A submitted request, for its client to cancel (a disconnect, a stream closed, a BLS iterator's cancel()). */
public interface RequestHandle {
    /**
     * Cancels the request: still queued, it never reaches execute() and is answered with Triton's CANCELLED error;
     * in a stub, the model's is_cancelled() turns true (best effort, as in Triton).
     */
    void cancel();

    RequestHandle NONE = () -> { };
}
