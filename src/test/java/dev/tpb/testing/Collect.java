package dev.tpb.testing;

import dev.tpb.runtime.InferResult;
import dev.tpb.runtime.ResponseSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A sink that keeps every response of a request (a decoupled model's stream) and says when the last came. */
public final class Collect implements ResponseSink {
    private final List<InferResult> responses = new ArrayList<>();
    private final CompletableFuture<List<InferResult>> done = new CompletableFuture<>();
    private int lastCalls;

    @Override
    public synchronized void onResponse(InferResult result, boolean last) {
        if (done.isDone()) {
            throw new AssertionError("a response after the final one: " + result);
        }
        if (result != null) {
            responses.add(result);
        }
        if (last) {
            lastCalls++;
            done.complete(new ArrayList<>(responses));
        }
    }

    /** The responses once the request is complete (30 s at most); each is closed by the caller. */
    public List<InferResult> await() {
        try {
            return done.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the request did not complete: " + responses, e);
        }
    }

    public synchronized int received() {
        return responses.size();
    }

    public boolean complete() {
        return done.isDone();
    }
}
