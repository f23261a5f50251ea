package dev.tpb.ipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.TpbException;
import org.junit.jupiter.api.Test;

class LauncherHeapTest {
    private static ShmRegion region(long size) {
        return ShmRegion.create("tpb_test_heap_" + ProcessHandle.current().pid() + "_" + System.nanoTime(), size);
    }

    @Test
    void blocksAreAlignedReferenceCountedAndReusedOnceFree() {
        try (ShmRegion r = region(ShmLayout.HEAP_OFFSET + (1 << 16))) {
            r.putLongVolatile(ShmLayout.OFF_CAPACITY, ShmLayout.HEAP_OFFSET + (1 << 16));
            LauncherHeap heap = new LauncherHeap(r, ShmLayout.HEAP_OFFSET, ShmLayout.HEAP_OFFSET + (1 << 16), 1 << 20);
            long a = heap.allocate(10);
            long b = heap.allocate(100);
            assertEquals(ShmLayout.HEAP_OFFSET, a);
            assertEquals(0, b % ShmLayout.ALLOC_ALIGN);
            assertTrue(heap.ref(b + 50), "a reference by an address inside the block");
            assertTrue(heap.unref(b));
            assertEquals(2, heap.blockCount(), "one reference is left");
            assertTrue(heap.unref(b + 99));
            assertEquals(1, heap.blockCount());
            assertFalse(heap.ref(b), "a freed block takes no references");
            long c = heap.allocate(64);
            assertEquals(b, c, "the freed space is used again (first fit)");
            heap.unref(a);
            heap.unref(c);
            assertEquals(0, heap.blockCount());
            assertEquals(a, heap.allocate(1000), "neighbouring free ranges merge");
        } finally {
            // close() removed the file; mappings go with the GC
        }
    }

    @Test
    void growsByClaimingTheEndOfTheRegion() {
        try (ShmRegion r = region(ShmLayout.HEAP_OFFSET + (1 << 16))) {
            long before = ShmRegion.pageAligned(ShmLayout.HEAP_OFFSET + (1 << 16));
            r.putLongVolatile(ShmLayout.OFF_CAPACITY, before);
            LauncherHeap heap = new LauncherHeap(r, ShmLayout.HEAP_OFFSET, before, 1 << 20);
            long big = heap.allocate(3 << 20);
            assertTrue(r.capacity() >= before + (3 << 20) - (1 << 16), "capacity now " + r.capacity());
            assertTrue(big + (3 << 20) <= r.capacity(), "placed in the heap: " + big);
            r.slice(big, 3 << 20).put(0, (byte) 1); // reserved and mapped
            long small = heap.allocate(64);
            assertNotEquals(big, small);
        }
    }

    @Test
    void noBlockCrossesA1GiBWindowAndOversizedTensorsAreRefused() {
        try (ShmRegion r = region(ShmLayout.HEAP_OFFSET + (1 << 16))) {
            long window = ShmLayout.WINDOW_BYTES;
            // Book-keeping only: a free range that spans a window boundary (nothing is written there).
            LauncherHeap heap = new LauncherHeap(r, window - 4096, window + 65536, 1 << 20);
            assertEquals(window, heap.allocate(8192), "moved past the boundary instead of crossing it");
            TpbException e = assertThrows(TpbException.class, () -> heap.allocate(window + 1));
            assertTrue(e.getMessage().contains("larger than tpb's limit"), e.getMessage());
        }
    }
}
