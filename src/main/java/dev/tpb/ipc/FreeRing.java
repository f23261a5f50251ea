package dev.tpb.ipc;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The launcher's end of the free ring (docs/protocol.md, "The heap"): each record, a block offset, gives one
 * reference to a block of the stub's heap back. The stub reads the ring whenever it allocates, so nothing needs to
 * wake it. When the ring is full, records wait here and go out with the next ones.
 */
final class FreeRing {
    private final ShmRegion region;
    private final ByteBuffer data;
    private final int size;
    private final ArrayDeque<Long> waiting = new ArrayDeque<>();

    FreeRing(ShmRegion region) {
        this.region = region;
        this.size = ShmLayout.FREE_RING_BYTES;
        this.data = region.slice(ShmLayout.CONTROL_BYTES + 2L * ShmLayout.RING_BYTES, size);
    }

    static void init(ShmRegion region) {
        region.putLongVolatile(ShmLayout.OFF_RING_FREE + ShmLayout.RING_DATA_OFFSET,
                ShmLayout.CONTROL_BYTES + 2L * ShmLayout.RING_BYTES);
        region.putLongVolatile(ShmLayout.OFF_RING_FREE + ShmLayout.RING_DATA_SIZE, ShmLayout.FREE_RING_BYTES);
    }

    synchronized void push(long offset) {
        waiting.addLast(offset);
        flush();
    }

    /** Writes what fits of the waiting records. */
    synchronized void flush() {
        if (waiting.isEmpty()) {
            return;
        }
        int desc = ShmLayout.OFF_RING_FREE;
        long head = region.getLongAcquire(desc + ShmLayout.RING_HEAD);
        long tail = region.getLongAcquire(desc + ShmLayout.RING_TAIL);
        long start = head;
        while (!waiting.isEmpty() && head - tail + 8 <= size) {
            data.putLong((int) (head & (size - 1)), waiting.pollFirst());
            head += 8;
        }
        if (head != start) {
            region.putLongRelease(desc + ShmLayout.RING_HEAD, head);
        }
    }
}
