package dev.tpb.server;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A response to write: status, extra headers and the body as a list of buffers written with one gathering
 * write (large tensors are sent straight from the model's shared memory). {@code afterWrite} runs once the
 * bytes are out (or the connection failed), which is when shared-memory views may be released.
 */
public final class HttpResponse {
    private final int status;
    private final List<String[]> headers = new ArrayList<>(4);
    private final List<ByteBuffer> body;
    private Runnable afterWrite = () -> { };
    private CompletableFuture<HttpResponse> later;
    private EventStream stream;

    public HttpResponse(int status, List<ByteBuffer> body) {
        this.status = status;
        this.body = body;
    }

    /**
     * A response that is not ready yet: the connection goes back to reading while whichever thread completes
     * {@code response} writes it (no hand-off back to the connection's thread). The request must not refer to
     * the connection's buffers any more (its body copied) when the handler returns this.
     */
    public static HttpResponse later(CompletableFuture<HttpResponse> response) {
        HttpResponse r = new HttpResponse(0, List.of());
        r.later = response;
        return r;
    }

    CompletableFuture<HttpResponse> deferred() {
        return later;
    }

    /**
     * A response streamed as it is produced: {@code contentType}, chunked transfer encoding, the chunks of
     * {@code stream} written by the connection's thread as they come.
     */
    public static HttpResponse stream(EventStream stream, String contentType) {
        HttpResponse r = new HttpResponse(0, List.of()).header("Content-Type", contentType);
        r.stream = stream;
        return r;
    }

    EventStream streamed() {
        return stream;
    }

    public static HttpResponse empty(int status) {
        return new HttpResponse(status, List.of());
    }

    public static HttpResponse json(int status, byte[] json) {
        return new HttpResponse(status, List.of(ByteBuffer.wrap(json))).header("Content-Type", "application/json");
    }

    /** {"error":"<message>"}, Triton's error body. */
    public static HttpResponse error(int status, String message) {
        return json(status, Json.errorBody(message));
    }

    public HttpResponse header(String name, String value) {
        headers.add(new String[] {name, value});
        return this;
    }

    public HttpResponse afterWrite(Runnable action) {
        this.afterWrite = action;
        return this;
    }

    public int status() {
        return status;
    }

    public List<String[]> headers() {
        return headers;
    }

    public String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    public List<ByteBuffer> body() {
        return body;
    }

    public long contentLength() {
        long n = 0;
        for (ByteBuffer b : body) {
            n += b.remaining();
        }
        return n;
    }

    Runnable afterWrite() {
        return afterWrite;
    }
}
