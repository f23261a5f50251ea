package dev.tpb.ipc;

import dev.tpb.TpbException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The launcher's part of a region's heap (docs/protocol.md, "The heap"): blocks for EXECUTE inputs, BLS outputs and
 * large message bodies. A block is freed when its last reference goes: the EXECUTE it was made for has its result,
 * the stub no longer holds a view of it (pins and unpins), and no answer written from it is still being sent.
 * Blocks are 64-byte aligned and never cross a 1 GiB window. Any thread may use it.
 */
final class LauncherHeap {
    private static final class Block {
        final long size;
        int refs = 1;

        Block(long size) {
            this.size = size;
        }
    }

    private final ShmRegion region;
    private final long growth;
    private final TreeMap<Long, Long> free = new TreeMap<>(); // offset -> size
    private final TreeMap<Long, Block> blocks = new TreeMap<>();

    LauncherHeap(ShmRegion region, long start, long end, long growth) {
        this.region = region;
        this.growth = Math.max(ShmLayout.ALLOC_ALIGN, growth);
        long from = alignUp(start);
        if (end > from) {
            free.put(from, end - from);
        }
    }

    /** A new block of at least {@code nbytes} with one reference; grows the region when nothing free fits. */
    synchronized long allocate(long nbytes) {
        if (nbytes > ShmLayout.WINDOW_BYTES) {
            throw new TpbException("a single tensor of " + nbytes + " bytes is larger than tpb's limit of "
                    + ShmLayout.WINDOW_BYTES + " bytes");
        }
        long size = alignUp(Math.max(1, nbytes));
        for (int attempt = 0; attempt < 3; attempt++) {
            long at = take(size);
            if (at >= 0) {
                blocks.put(at, new Block(size));
                return at;
            }
            long want = size + ShmLayout.ALLOC_ALIGN;
            long capacity = region.capacity();
            long window = ShmLayout.WINDOW_BYTES;
            if (capacity / window != (capacity + want - 1) / window) {
                want += window - capacity % window; // room to start this block at the next window
            }
            long bytes = ShmRegion.pageAligned(growth * (want / growth + 1));
            addFree(region.claim(bytes), bytes);
        }
        throw new TpbException("could not place " + nbytes + " bytes in shared memory region " + region.path());
    }

    private long take(long size) {
        long window = ShmLayout.WINDOW_BYTES;
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            long start = e.getKey();
            long end = start + e.getValue();
            long at = alignUp(start);
            if (at / window != (at + size - 1) / window) {
                at = (at / window + 1) * window;
            }
            if (at + size > end) {
                continue;
            }
            free.remove(start);
            if (at > start) {
                free.put(start, at - start);
            }
            if (at + size < end) {
                free.put(at + size, end - at - size);
            }
            return at;
        }
        return -1;
    }

    private void addFree(long offset, long size) {
        Map.Entry<Long, Long> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            offset = before.getKey();
            size += before.getValue();
            free.remove(offset);
        }
        Long next = free.get(offset + size);
        if (next != null) {
            free.remove(offset + size);
            size += next;
        }
        free.put(offset, size);
    }

    /** One more reference to the block holding {@code addr}; false when no launcher block does. */
    synchronized boolean ref(long addr) {
        Block b = containing(addr);
        if (b == null) {
            return false;
        }
        b.refs++;
        return true;
    }

    /** Gives back one reference to the block holding {@code addr}; false when no launcher block does. */
    synchronized boolean unref(long addr) {
        Map.Entry<Long, Block> e = blocks.floorEntry(addr);
        if (e == null || addr >= e.getKey() + e.getValue().size) {
            return false;
        }
        if (--e.getValue().refs == 0) {
            blocks.remove(e.getKey());
            addFree(e.getKey(), e.getValue().size);
        }
        return true;
    }

    private Block containing(long addr) {
        Map.Entry<Long, Block> e = blocks.floorEntry(addr);
        return e == null || addr >= e.getKey() + e.getValue().size ? null : e.getValue();
    }

    /** Blocks in use (for tests: after every answer is released only pinned ones are left). */
    synchronized int blockCount() {
        return blocks.size();
    }

    private static long alignUp(long x) {
        return (x + ShmLayout.ALLOC_ALIGN - 1) & -ShmLayout.ALLOC_ALIGN;
    }
}
