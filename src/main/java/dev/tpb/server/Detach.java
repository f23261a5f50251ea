package dev.tpb.server;

import dev.tpb.runtime.InferOutput;
import dev.tpb.runtime.InferResult;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Small answers are copied out of shared memory on the instance's own thread, the moment the model answers,
 * and the result is closed there: the instance can start its next batch while this one is still being written
 * to the client, instead of waiting for the connection thread to wake up, write and release. A copy of a few
 * KiB costs far less than that round trip. Large outputs stay zero-copy (written straight from shared memory).
 */
final class Detach {
    /** Answers up to this many tensor bytes are copied; larger ones are streamed from shared memory. */
    static final int MAX_COPY_BYTES = 64 * 1024;

    private Detach() {
    }

    static InferResult small(InferResult result) {
        if (result.error().isPresent()) {
            result.close();
            return result;
        }
        long total = 0;
        for (InferOutput o : result.outputs()) {
            total += o.data().remaining();
        }
        if (total > MAX_COPY_BYTES) {
            return result;
        }
        try {
            List<InferOutput> copies = new ArrayList<>(result.outputs().size());
            for (InferOutput o : result.outputs()) {
                ByteBuffer copy = ByteBuffer.allocate(o.data().remaining());
                copy.put(o.data().duplicate()).flip();
                copies.add(new InferOutput(o.name(), o.datatype(), o.shape(), copy.order(ByteOrder.LITTLE_ENDIAN)));
            }
            return new InferResult(result.modelName(), result.modelVersion(), result.id(), result.parametersJson(),
                    copies, null, () -> { });
        } finally {
            result.close();
        }
    }
}
