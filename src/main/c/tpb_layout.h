/* The shared-memory layout of tpb's stub protocol, version 2. docs/protocol.md is the definition;
 * dev.tpb.ipc.ShmLayout is the Java twin of this file. */
#ifndef TPB_LAYOUT_H
#define TPB_LAYOUT_H

#include <stdint.h>

#define TPB_MAGIC 0x31425054u /* "TPB1" */
#define TPB_PROTOCOL_VERSION 2u

/* Control block fields (offsets from ipc_control_handle). */
#define TPB_OFF_MAGIC 0
#define TPB_OFF_PROTOCOL 4
#define TPB_OFF_CAPACITY 8
#define TPB_OFF_HEAP 16
#define TPB_OFF_LAUNCHER_PID 24
#define TPB_OFF_STUB_PID 28
#define TPB_OFF_LAUNCHER_TICKS 32
#define TPB_OFF_HEARTBEAT 40
#define TPB_OFF_GROWTH 48
#define TPB_OFF_FLAGS 56
#define TPB_OFF_RING_TO_STUB 256
#define TPB_OFF_RING_TO_LAUNCHER 448
#define TPB_OFF_SOCKET_PATH 1024
#define TPB_SOCKET_PATH_MAX 1024
#define TPB_OFF_ENV_DIR 2048
#define TPB_ENV_DIR_MAX 2048
#define TPB_CONTROL_BYTES 4096

#define TPB_FLAG_USES_ENV 1u

/* Ring descriptor fields (offsets from the descriptor). */
#define TPB_RING_DATA_OFFSET 0
#define TPB_RING_DATA_SIZE 8
#define TPB_RING_HEAD 64
#define TPB_RING_TAIL 128
#define TPB_RING_WAITING 136

/* Records in a ring. */
#define TPB_RECORD_HEADER 16
#define TPB_RECORD_ALIGN 8
#define TPB_FLAG_INDIRECT 1u

/* Message types. */
enum tpb_message_type {
    TPB_MSG_WRAP = 0,
    TPB_MSG_HELLO = 1,
    TPB_MSG_AUTO_COMPLETE = 2,
    TPB_MSG_AUTO_COMPLETE_RESULT = 3,
    TPB_MSG_INITIALIZE = 4,
    TPB_MSG_INITIALIZE_RESULT = 5,
    TPB_MSG_EXECUTE = 6,
    TPB_MSG_EXECUTE_RESULT = 7,
    TPB_MSG_FINALIZE = 8,
    TPB_MSG_FINALIZE_RESULT = 9,
};

/* Heap allocations: alignment, and no allocation crosses a window boundary (Java maps 1 GiB windows). */
#define TPB_ALLOC_ALIGN 64
#define TPB_WINDOW_BYTES (1ull << 30)

#endif
