package dev.tpb.runtime;

/**
 * Where the responses of one request go: an HTTP answer, a server-sent event stream, the stub that made a BLS request.
 * Called on a model instance's thread, in order; the sink owns each result (it must close it).
 */
public interface ResponseSink {
    /**
     * One response ({@code result} null: the final flag alone, as a decoupled model may send it); {@code last} when
     * the request is complete. Exactly one call has {@code last} set, and none follows it.
     */
    void onResponse(InferResult result, boolean last);
}
