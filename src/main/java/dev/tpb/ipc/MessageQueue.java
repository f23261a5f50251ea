package dev.tpb.ipc;

import java.nio.ByteBuffer;

/**
 * The launcher's ends of the two rings: it produces into {@code to_stub} and consumes {@code to_launcher}.
 * Waiting follows docs/protocol.md: spin briefly, then announce the wait, re-check, and block on the doorbell.
 */
final class MessageQueue {
    private final ShmRegion region;
    private final Doorbell doorbell;
    private final long spinNanos;
    /** The current spin, adapted to recent waits as the stub does (docs/protocol.md). */
    private long spinBudget;
    private final ByteBuffer toStub;
    private final ByteBuffer toLauncher;
    private final int size;

    MessageQueue(ShmRegion region, Doorbell doorbell, long spinNanos) {
        this.region = region;
        this.doorbell = doorbell;
        this.spinNanos = spinNanos;
        this.spinBudget = spinNanos;
        this.size = ShmLayout.RING_BYTES;
        this.toStub = region.slice(ShmLayout.CONTROL_BYTES, size);
        this.toLauncher = region.slice(ShmLayout.CONTROL_BYTES + size, size);
    }

    /** Writes the ring descriptors; done once, before the stub starts. */
    static void initRings(ShmRegion region) {
        region.putLongVolatile(ShmLayout.OFF_RING_TO_STUB + ShmLayout.RING_DATA_OFFSET, ShmLayout.CONTROL_BYTES);
        region.putLongVolatile(ShmLayout.OFF_RING_TO_STUB + ShmLayout.RING_DATA_SIZE, ShmLayout.RING_BYTES);
        region.putLongVolatile(ShmLayout.OFF_RING_TO_LAUNCHER + ShmLayout.RING_DATA_OFFSET,
                ShmLayout.CONTROL_BYTES + ShmLayout.RING_BYTES);
        region.putLongVolatile(ShmLayout.OFF_RING_TO_LAUNCHER + ShmLayout.RING_DATA_SIZE, ShmLayout.RING_BYTES);
    }

    /** The largest body sent inline; larger ones go through the heap. */
    int inlineLimit() {
        return size / 4;
    }

    void send(MessageType type, int flags, long seq, byte[] body, int bodyLength) {
        int desc = ShmLayout.OFF_RING_TO_STUB;
        int record = align(ShmLayout.RECORD_HEADER + bodyLength);
        long head = region.getLongAcquire(desc + ShmLayout.RING_HEAD);
        int pos = (int) (head & (size - 1));
        if (pos + record > size) {
            int skip = size - pos;
            waitForSpace(desc, head, skip + record);
            toStub.putInt(pos, 0);
            toStub.putShort(pos + 4, (short) MessageType.WRAP.code);
            head += skip;
            pos = 0;
        } else {
            waitForSpace(desc, head, record);
        }
        toStub.putInt(pos, bodyLength);
        toStub.putShort(pos + 4, (short) type.code);
        toStub.putShort(pos + 6, (short) flags);
        toStub.putLong(pos + 8, seq);
        toStub.put(pos + ShmLayout.RECORD_HEADER, body, 0, bodyLength);
        region.putLongRelease(desc + ShmLayout.RING_HEAD, head + record);
        // Full fence between publishing head and reading the consumer's flag (docs/protocol.md).
        java.lang.invoke.VarHandle.fullFence();
        if (region.getIntVolatile(desc + ShmLayout.RING_WAITING) != 0) {
            doorbell.ring();
        }
    }

    private void waitForSpace(int desc, long head, int need) {
        for (int i = 0; ; i++) {
            long tail = region.getLongAcquire(desc + ShmLayout.RING_TAIL);
            if (head - tail + need <= size) {
                return;
            }
            if (i < 1000) {
                Thread.onSpinWait();
            } else {
                java.util.concurrent.locks.LockSupport.parkNanos(50_000);
            }
        }
    }

    private boolean readable() {
        int desc = ShmLayout.OFF_RING_TO_LAUNCHER;
        return region.getLongAcquire(desc + ShmLayout.RING_HEAD) != region.getLongAcquire(desc + ShmLayout.RING_TAIL);
    }

    /** Waits for the next message from the stub, spinning first while nothing else is waiting. */
    Message receive() {
        return receive(() -> false);
    }

    /**
     * Waits for the next message from the stub. The spin ends early once {@code othersWaiting} says that other work
     * is queued: then the machine is busy, and a spinning thread only takes a core from the threads (and the stub)
     * that would make progress; blocking costs this one wait a wake-up, not the others their CPU.
     */
    Message receive(java.util.function.BooleanSupplier othersWaiting) {
        int desc = ShmLayout.OFF_RING_TO_LAUNCHER;
        long started = System.nanoTime();
        while (true) {
            if (!readable() && !othersWaiting.getAsBoolean()) {
                long deadline = System.nanoTime() + spinBudget;
                for (int i = 1; !readable() && System.nanoTime() < deadline; i++) {
                    if ((i & 63) == 0) {
                        if (othersWaiting.getAsBoolean()) {
                            break;
                        }
                        Thread.yield(); // the stub may be waiting for this very core
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }
            if (!readable()) {
                region.putIntVolatile(desc + ShmLayout.RING_WAITING, 1);
                java.lang.invoke.VarHandle.fullFence();
                if (!readable()) {
                    try {
                        doorbell.await();
                    } finally {
                        region.putIntVolatile(desc + ShmLayout.RING_WAITING, 0);
                    }
                    continue;
                }
                region.putIntVolatile(desc + ShmLayout.RING_WAITING, 0);
            }
            long waited = System.nanoTime() - started;
            // A blocked wait includes a wake-up (tens of µs): up to twice the spin still counts as short.
            spinBudget = waited <= 2 * spinNanos ? spinNanos : spinBudget / 2;
            long tail = region.getLongAcquire(desc + ShmLayout.RING_TAIL);
            int pos = (int) (tail & (size - 1));
            int bodyLength = toLauncher.getInt(pos);
            int type = toLauncher.getShort(pos + 4);
            if (type == MessageType.WRAP.code) {
                region.putLongRelease(desc + ShmLayout.RING_TAIL, tail + (size - pos));
                continue;
            }
            int flags = toLauncher.getShort(pos + 6);
            long seq = toLauncher.getLong(pos + 8);
            byte[] body;
            if ((flags & ShmLayout.FLAG_INDIRECT) != 0) {
                long offset = toLauncher.getLong(pos + ShmLayout.RECORD_HEADER);
                long length = toLauncher.getLong(pos + ShmLayout.RECORD_HEADER + 8);
                region.refresh();
                body = new byte[(int) length];
                region.slice(offset, (int) length).get(body);
            } else {
                body = new byte[bodyLength];
                toLauncher.get(pos + ShmLayout.RECORD_HEADER, body);
            }
            region.putLongRelease(desc + ShmLayout.RING_TAIL, tail + align(ShmLayout.RECORD_HEADER + bodyLength));
            return new Message(MessageType.of(type), seq, body);
        }
    }

    private static int align(int n) {
        return (n + ShmLayout.RECORD_ALIGN - 1) & -ShmLayout.RECORD_ALIGN;
    }
}
