package dev.tpb.ipc;

import java.util.ArrayList;
import java.util.List;

/**
 * Places one EXECUTE's input tensors in the heap: 64-byte aligned, never across a 1 GiB window, never over a
 * range the stub reported as pinned (Python still holds a view of it). Reset before each EXECUTE's inputs are
 * placed.
 */
final class HeapAllocator {
    private final List<long[]> pinned = new ArrayList<>(); // {offset, length}; the same range may appear twice
    private long next = ShmLayout.HEAP_OFFSET;

    void reset() {
        next = ShmLayout.HEAP_OFFSET;
    }

    /** Where this EXECUTE's allocations have reached: the stub allocates its outputs from here on. */
    long arena() {
        return next;
    }

    long allocate(long nbytes) {
        if (nbytes > ShmLayout.WINDOW_BYTES) {
            throw new dev.tpb.TpbException("a single tensor of " + nbytes + " bytes is larger than tpb's limit of "
                    + ShmLayout.WINDOW_BYTES + " bytes");
        }
        long at = place(next, nbytes);
        next = at + nbytes;
        return at;
    }

    private long place(long start, long nbytes) {
        long at = alignUp(start);
        boolean moved = true;
        while (moved) {
            moved = false;
            long window = ShmLayout.WINDOW_BYTES;
            if (nbytes > 0 && at / window != (at + nbytes - 1) / window) {
                at = (at / window + 1) * window;
                moved = true;
            }
            for (long[] range : pinned) {
                if (at < range[0] + range[1] && range[0] < at + nbytes) {
                    at = alignUp(range[0] + range[1]);
                    moved = true;
                }
            }
        }
        return at;
    }

    void pin(long offset, long length) {
        pinned.add(new long[] {offset, length});
    }

    void unpin(long offset, long length) {
        for (int i = 0; i < pinned.size(); i++) {
            if (pinned.get(i)[0] == offset && pinned.get(i)[1] == length) {
                pinned.remove(i);
                return;
            }
        }
    }

    int pinnedCount() {
        return pinned.size();
    }

    private static long alignUp(long x) {
        return (x + ShmLayout.ALLOC_ALIGN - 1) & -ShmLayout.ALLOC_ALIGN;
    }
}
