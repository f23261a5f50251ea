/* The shared-memory layout of tpb's stub protocol, version 3. docs/protocol.md is the definition;
 * dev.tpb.ipc.ShmLayout is the Java twin of this file. */
#ifndef TPB_LAYOUT_H
#define TPB_LAYOUT_H

#include <stdint.h>

#define TPB_MAGIC 0x31425054u /* "TPB1" */
#define TPB_PROTOCOL_VERSION 3u

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
#define TPB_OFF_LOG_SETTINGS 60
#define TPB_OFF_STUB_HEAP 64
#define TPB_OFF_STUB_HEAP_END 72
#define TPB_OFF_RING_TO_STUB 256
#define TPB_OFF_RING_TO_LAUNCHER 448
#define TPB_OFF_RING_FREE 640
#define TPB_OFF_SOCKET_PATH 1024
#define TPB_SOCKET_PATH_MAX 1024
#define TPB_OFF_ENV_DIR 2048
#define TPB_ENV_DIR_MAX 2048
#define TPB_CONTROL_BYTES 4096

#define TPB_FLAG_USES_ENV 1u

/* log_settings: which pb_utils.Logger levels reach the launcher's log. */
#define TPB_LOG_INFO 1u
#define TPB_LOG_WARNING 2u
#define TPB_LOG_ERROR 4u
#define TPB_LOG_ISO8601 8u
#define TPB_LOG_VERBOSE_SHIFT 8

/* Ring descriptor fields (offsets from the descriptor). */
#define TPB_RING_DATA_OFFSET 0
#define TPB_RING_DATA_SIZE 8
#define TPB_RING_HEAD 64
#define TPB_RING_TAIL 128
#define TPB_RING_WAITING 136

/* Fixed areas after the control block. */
#define TPB_RING_BYTES 65536
#define TPB_FREE_RING_BYTES 65536
#define TPB_CANCEL_OFFSET (TPB_CONTROL_BYTES + 3 * TPB_RING_BYTES)
#define TPB_CANCEL_SLOTS 65536
#define TPB_HEAP_OFFSET (TPB_CANCEL_OFFSET + TPB_CANCEL_SLOTS)

/* Records in a message ring. */
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
    TPB_MSG_RESPONSE = 10,
    TPB_MSG_INFER = 11,
    TPB_MSG_INFER_RESPONSE = 12,
    TPB_MSG_INFER_CANCEL = 13,
    TPB_MSG_CALL = 14,
    TPB_MSG_CALL_RESULT = 15,
    TPB_MSG_RELEASE = 16,
};

/* Heap allocations: alignment, and no allocation crosses a window boundary (Java maps 1 GiB windows). */
#define TPB_ALLOC_ALIGN 64
#define TPB_WINDOW_BYTES (1ull << 30)

#endif
