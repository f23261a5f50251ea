package dev.tpb.server;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * The body of a streamed response (generate_stream's server-sent events): chunks pushed by whoever has them (a model
 * instance), written by the connection's thread as they come. The first chunk decides the status, as in Triton,
 * where the first response fixes it. A client that goes away cancels the request.
 */
public final class EventStream {
    /** One piece of the body; {@code last} ends it. */
    record Chunk(int status, byte[] data, boolean last) {
    }

    private final LinkedBlockingQueue<Chunk> chunks = new LinkedBlockingQueue<>();
    private volatile Runnable onClientGone = () -> { };
    private volatile boolean clientGone;

    /** Queues a chunk ({@code status} counts only for the first). Chunks after the client went away are dropped. */
    public void push(int status, byte[] data, boolean last) {
        if (!clientGone) {
            chunks.add(new Chunk(status, data, last));
        }
    }

    /** What to do when the client goes away (cancel its request). */
    public void onClientGone(Runnable action) {
        onClientGone = action;
        if (clientGone) {
            action.run();
        }
    }

    Chunk take() throws InterruptedException {
        return chunks.take();
    }

    void clientGone() {
        if (!clientGone) {
            clientGone = true;
            chunks.clear();
            onClientGone.run();
        }
    }
}
