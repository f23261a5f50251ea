package dev.tpb.ipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.TpbException;
import org.junit.jupiter.api.Test;

class HeapAllocatorTest {
    @Test
    void allocationsAreAlignedAndAvoidPinnedRangesAndWindowBoundaries() {
        HeapAllocator heap = new HeapAllocator();
        long a = heap.allocate(10);
        assertEquals(ShmLayout.HEAP_OFFSET, a);
        assertEquals(0, heap.allocate(10) % ShmLayout.ALLOC_ALIGN);
        heap.reset();
        heap.pin(ShmLayout.HEAP_OFFSET, 100);
        long b = heap.allocate(10);
        assertTrue(b >= ShmLayout.HEAP_OFFSET + 100, "skips the pinned range: " + b);
        heap.unpin(ShmLayout.HEAP_OFFSET, 100);
        heap.reset();
        long c = heap.allocate(ShmLayout.WINDOW_BYTES - ShmLayout.HEAP_OFFSET - 64);
        long d = heap.allocate(1024);
        assertEquals(ShmLayout.WINDOW_BYTES, d, "does not cross the 1 GiB window boundary (after " + c + ")");
    }

    @Test
    void aTensorLargerThanAWindowIsAnErrorNotALoop() {
        HeapAllocator heap = new HeapAllocator();
        TpbException e = assertThrows(TpbException.class, () -> heap.allocate(ShmLayout.WINDOW_BYTES + 1));
        assertTrue(e.getMessage().contains("larger than tpb's limit"), e.getMessage());
    }
}
