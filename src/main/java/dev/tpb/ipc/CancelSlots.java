package dev.tpb.ipc;

import java.util.ArrayDeque;

/**
 * The cancel table of a region: one byte per request the stub has, set to 1 when the launcher cancels it, read by the
 * stub's {@code is_cancelled()} with no message. A slot is taken when a request is sent and given back when it is
 * complete; with every slot taken, a request gets none (-1) and the model never sees it cancelled.
 */
final class CancelSlots {
    private final ShmRegion region;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private int next;

    CancelSlots(ShmRegion region) {
        this.region = region;
    }

    synchronized int acquire() {
        int slot;
        if (!free.isEmpty()) {
            slot = free.pollFirst();
        } else if (next < ShmLayout.CANCEL_SLOTS) {
            slot = next++;
        } else {
            return -1;
        }
        region.putByteFenced(ShmLayout.CANCEL_OFFSET + slot, (byte) 0);
        return slot;
    }

    synchronized void release(int slot) {
        if (slot >= 0) {
            free.addLast(slot);
        }
    }

    void cancel(int slot) {
        if (slot >= 0) {
            region.putByteFenced(ShmLayout.CANCEL_OFFSET + slot, (byte) 1);
        }
    }
}
