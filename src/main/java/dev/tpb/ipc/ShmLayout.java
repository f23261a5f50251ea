package dev.tpb.ipc;

/** The shared-memory layout of tpb's stub protocol, version 3 (docs/protocol.md; C twin: tpb_layout.h). */
public final class ShmLayout {
    private ShmLayout() {
    }

    public static final int MAGIC = 0x31425054; // "TPB1"
    public static final int PROTOCOL_VERSION = 3;

    static final int OFF_MAGIC = 0;
    static final int OFF_PROTOCOL = 4;
    static final int OFF_CAPACITY = 8;
    static final int OFF_HEAP = 16;
    static final int OFF_LAUNCHER_PID = 24;
    static final int OFF_STUB_PID = 28;
    static final int OFF_LAUNCHER_TICKS = 32;
    static final int OFF_HEARTBEAT = 40;
    static final int OFF_GROWTH = 48;
    static final int OFF_FLAGS = 56;
    static final int OFF_LOG_SETTINGS = 60;
    static final int OFF_STUB_HEAP = 64;
    static final int OFF_STUB_HEAP_END = 72;
    static final int OFF_RING_TO_STUB = 256;
    static final int OFF_RING_TO_LAUNCHER = 448;
    static final int OFF_RING_FREE = 640;
    static final int OFF_SOCKET_PATH = 1024;
    static final int SOCKET_PATH_MAX = 1024;
    static final int OFF_ENV_DIR = 2048;
    static final int ENV_DIR_MAX = 2048;
    static final int CONTROL_BYTES = 4096;

    static final int FLAG_USES_ENV = 1;

    static final int RING_DATA_OFFSET = 0;
    static final int RING_DATA_SIZE = 8;
    static final int RING_HEAD = 64;
    static final int RING_TAIL = 128;
    static final int RING_WAITING = 136;
    static final int RING_BYTES = 65536;
    static final int FREE_RING_BYTES = 65536;
    /** One byte per request slot: 1 once the launcher cancelled the request in that slot. */
    static final int CANCEL_OFFSET = CONTROL_BYTES + 3 * RING_BYTES;
    public static final int CANCEL_SLOTS = 65536;

    static final int RECORD_HEADER = 16;
    static final int RECORD_ALIGN = 8;
    static final int FLAG_INDIRECT = 1;

    /** Where the heap starts: after the control block, the message rings, the free ring and the cancel table. */
    public static final long HEAP_OFFSET = CANCEL_OFFSET + CANCEL_SLOTS;

    public static final int ALLOC_ALIGN = 64;
    public static final long WINDOW_BYTES = 1L << 30;

    /** Region names start with this; stale ones are removed at start-up. */
    public static final String REGION_PREFIX = "tpb_";
}
