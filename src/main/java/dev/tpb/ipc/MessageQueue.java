package dev.tpb.ipc;

import java.nio.ByteBuffer;

/**
 * The launcher's ends of the two message rings: it produces into {@code to_stub} (callers serialize their sends) and
 * one thread at a time consumes {@code to_launcher}. Waiting follows docs/protocol.md: spin briefly, then announce
 * the wait, re-check, and block on the doorbell.
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

    /** Waits for the stub to read enough of the ring; a stub gone (its socket closed) ends the wait. */
    private void waitForSpace(int desc, long head, int need) {
        for (int i = 0; ; i++) {
            long tail = region.getLongAcquire(desc + ShmLayout.RING_TAIL);
            if (head - tail + need <= size) {
                return;
            }
            if (i < 1000) {
                Thread.onSpinWait();
            } else {
                if (doorbell.hungUp()) {
                    throw new StubGoneException("the stub is gone");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(50_000);
            }
        }
    }

    boolean readable() {
        int desc = ShmLayout.OFF_RING_TO_LAUNCHER;
        return region.getLongAcquire(desc + ShmLayout.RING_HEAD) != region.getLongAcquire(desc + ShmLayout.RING_TAIL);
    }

    /**
     * Waits until a message can be read, at most {@code timeoutNanos} (or until {@link Doorbell#wakeup()}); returns
     * whether one can. With {@code spin}, spins briefly first, unless {@code othersWaiting} says other work is queued:
     * then the machine is busy, and a spinning thread only takes a core from the threads (and the stub) that would
     * make progress; blocking costs this one wait a wake-up, not the others their CPU.
     */
    boolean await(long timeoutNanos, boolean spin, java.util.function.BooleanSupplier othersWaiting) {
        if (readable()) {
            return true;
        }
        int desc = ShmLayout.OFF_RING_TO_LAUNCHER;
        long started = System.nanoTime();
        if (spin && !othersWaiting.getAsBoolean()) {
            long deadline = started + Math.min(spinBudget, timeoutNanos);
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
        boolean ready = readable();
        if (!ready) {
            long left = timeoutNanos - (System.nanoTime() - started);
            if (left > 0) {
                region.putIntVolatile(desc + ShmLayout.RING_WAITING, 1);
                java.lang.invoke.VarHandle.fullFence();
                try {
                    if (!readable()) {
                        doorbell.await(left);
                    }
                } finally {
                    region.putIntVolatile(desc + ShmLayout.RING_WAITING, 0);
                }
            }
            ready = readable();
        }
        if (spin && ready) {
            long waited = System.nanoTime() - started;
            // A blocked wait includes a wake-up (tens of µs): up to twice the spin still counts as short.
            spinBudget = waited <= 2 * spinNanos ? spinNanos : spinBudget / 2;
        }
        return ready;
    }

    /** The next message from the stub, or null when there is none now. */
    Message poll() {
        int desc = ShmLayout.OFF_RING_TO_LAUNCHER;
        while (readable()) {
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
            long indirect = 0;
            if ((flags & ShmLayout.FLAG_INDIRECT) != 0) {
                long offset = toLauncher.getLong(pos + ShmLayout.RECORD_HEADER);
                long length = toLauncher.getLong(pos + ShmLayout.RECORD_HEADER + 8);
                if (length < 0 || length > Integer.MAX_VALUE - 8) {
                    throw new dev.tpb.TpbException("the stub sent a message body of " + length + " bytes");
                }
                body = new byte[(int) length];
                region.slice(offset, (int) length).get(body);
                indirect = offset;
            } else {
                if (bodyLength < 0 || bodyLength > size / 2) {
                    throw new dev.tpb.TpbException("the stub sent a record of " + bodyLength + " bytes");
                }
                body = new byte[bodyLength];
                toLauncher.get(pos + ShmLayout.RECORD_HEADER, body);
            }
            region.putLongRelease(desc + ShmLayout.RING_TAIL, tail + align(ShmLayout.RECORD_HEADER + bodyLength));
            return new Message(MessageType.of(type), seq, body, indirect);
        }
        return null;
    }

    private static int align(int n) {
        return (n + ShmLayout.RECORD_ALIGN - 1) & -ShmLayout.RECORD_ALIGN;
    }
}
