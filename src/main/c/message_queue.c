#define _GNU_SOURCE
#include "message_queue.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tpb_layout.h"

static uint64_t pending_release; /* bytes to add to tail when the current message is released */

static void ring_init(ring *r, shm_region *region, uint64_t desc_offset) {
    r->desc = region->control + desc_offset;
    r->data = region->base + shm_load_u64(r->desc + TPB_RING_DATA_OFFSET);
    r->size = shm_load_u64(r->desc + TPB_RING_DATA_SIZE);
}

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

int message_queue_open(message_queue *q, shm_region *region, char *err, size_t errlen) {
    memset(q, 0, sizeof(*q));
    q->region = region;
    ring_init(&q->to_stub, region, TPB_OFF_RING_TO_STUB);
    ring_init(&q->to_launcher, region, TPB_OFF_RING_TO_LAUNCHER);
    const char *spin = getenv("TPB_SPIN_US");
    q->spin_ns = (spin ? atol(spin) : 50) * 1000L;
    q->spin_budget_ns = q->spin_ns;

    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    const char *path = (const char *)(region->control + TPB_OFF_SOCKET_PATH);
    if (strlen(path) >= sizeof(addr.sun_path)) {
        snprintf(err, errlen, "doorbell socket path is too long: %s", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    q->doorbell = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (q->doorbell < 0 || connect(q->doorbell, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        snprintf(err, errlen, "cannot connect to the launcher's socket %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Is there a record to read? */
static int ring_readable(const ring *r) {
    return shm_load_u64(r->desc + TPB_RING_HEAD) != __atomic_load_n((uint64_t *)(r->desc + TPB_RING_TAIL),
                                                                      __ATOMIC_RELAXED);
}

int message_queue_receive(message_queue *q, message *m) {
    ring *r = &q->to_stub;
    long started = now_ns();
    for (;;) {
        /* Spin briefly: a peer that answers quickly never has to wake us. The budget adapts: after a wait a
         * full spin would not have caught, stop spinning (it only steals a core from the peer), and spin again
         * once waits are short. */
        long deadline = now_ns() + q->spin_budget_ns;
        for (int i = 0; !ring_readable(r); i++) {
            cpu_relax();
            if ((i & 63) == 63) {
                if (now_ns() > deadline) {
                    break;
                }
                sched_yield(); /* the peer may be waiting for this very core */
            }
        }
        if (!ring_readable(r)) {
            shm_store_u32(r->desc + TPB_RING_WAITING, 1);
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            if (!ring_readable(r)) {
                char buf[64];
                ssize_t n;
                do {
                    n = read(q->doorbell, buf, sizeof(buf));
                } while (n < 0 && errno == EINTR);
                shm_store_u32(r->desc + TPB_RING_WAITING, 0);
                if (n <= 0) {
                    return -1; /* the launcher closed the socket or died */
                }
                continue;
            }
            shm_store_u32(r->desc + TPB_RING_WAITING, 0);
        }
        long waited = now_ns() - started;
        /* A blocked wait includes a wake-up (tens of µs): up to twice the spin still counts as short. */
        q->spin_budget_ns = waited <= 2 * q->spin_ns ? q->spin_ns : q->spin_budget_ns / 2;
        uint64_t tail = __atomic_load_n((uint64_t *)(r->desc + TPB_RING_TAIL), __ATOMIC_RELAXED);
        const uint8_t *rec = r->data + (tail & (r->size - 1));
        uint32_t body_len;
        memcpy(&body_len, rec, 4);
        uint16_t type;
        memcpy(&type, rec + 4, 2);
        if (type == TPB_MSG_WRAP) {
            /* Skip to the start of the ring. */
            uint64_t skip = r->size - (tail & (r->size - 1));
            shm_store_u64(r->desc + TPB_RING_TAIL, tail + skip);
            continue;
        }
        memcpy(&m->flags, rec + 6, 2);
        memcpy(&m->seq, rec + 8, 8);
        m->type = type;
        m->indirect_offset = 0;
        m->body = rec + TPB_RECORD_HEADER;
        m->body_len = body_len;
        if (m->flags & TPB_FLAG_INDIRECT) {
            uint64_t offset, length;
            memcpy(&offset, m->body, 8);
            memcpy(&length, m->body + 8, 8);
            char err[512];
            if (shm_region_refresh(q->region, err, sizeof(err)) != 0 || offset + length > q->region->mapped) {
                return -1;
            }
            m->body = q->region->base + offset;
            m->body_len = length;
            m->indirect_offset = offset;
        }
        uint64_t record = TPB_RECORD_HEADER + body_len;
        pending_release = (record + TPB_RECORD_ALIGN - 1) & ~(uint64_t)(TPB_RECORD_ALIGN - 1);
        return 0;
    }
}

void message_queue_release(message_queue *q) {
    ring *r = &q->to_stub;
    if (pending_release) {
        uint64_t tail = __atomic_load_n((uint64_t *)(r->desc + TPB_RING_TAIL), __ATOMIC_RELAXED);
        shm_store_u64(r->desc + TPB_RING_TAIL, tail + pending_release);
        pending_release = 0;
    }
}

/* Whether `need` bytes are free in the ring; with `block`, waits until they are (spin, then short sleeps). */
static int space_for(ring *r, uint64_t head, uint64_t need, int block) {
    for (int i = 0;; i++) {
        uint64_t tail = shm_load_u64(r->desc + TPB_RING_TAIL);
        if (head - tail + need <= r->size) {
            return 1;
        }
        if (!block) {
            return 0;
        }
        if (i < 1000) {
            cpu_relax();
        } else {
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
    }
}

static int send_record(message_queue *q, uint16_t type, uint16_t flags, uint64_t seq, const void *body,
                       uint64_t body_len, int block) {
    ring *r = &q->to_launcher;
    uint64_t record = (TPB_RECORD_HEADER + body_len + TPB_RECORD_ALIGN - 1) & ~(uint64_t)(TPB_RECORD_ALIGN - 1);
    if (record > r->size / 2) {
        errno = EMSGSIZE;
        return -1;
    }
    uint64_t head = __atomic_load_n((uint64_t *)(r->desc + TPB_RING_HEAD), __ATOMIC_RELAXED);
    uint64_t pos = head & (r->size - 1);
    if (pos + record > r->size) {
        /* Not enough room before the end: a WRAP record sends the reader to the start. */
        uint64_t skip = r->size - pos;
        if (!space_for(r, head, skip + record, block)) {
            errno = EAGAIN;
            return -1;
        }
        uint8_t *wrap = r->data + pos;
        uint32_t zero = 0;
        uint16_t wrap_type = TPB_MSG_WRAP;
        memcpy(wrap, &zero, 4);
        memcpy(wrap + 4, &wrap_type, 2);
        head += skip;
        pos = 0;
    } else if (!space_for(r, head, record, block)) {
        errno = EAGAIN;
        return -1;
    }
    uint8_t *rec = r->data + pos;
    uint32_t len32 = (uint32_t)body_len;
    memcpy(rec, &len32, 4);
    memcpy(rec + 4, &type, 2);
    memcpy(rec + 6, &flags, 2);
    memcpy(rec + 8, &seq, 8);
    if (body_len) {
        memcpy(rec + TPB_RECORD_HEADER, body, body_len);
    }
    shm_store_u64(r->desc + TPB_RING_HEAD, head + record);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (shm_load_u32(r->desc + TPB_RING_WAITING)) {
        ssize_t n;
        do {
            n = send(q->doorbell, "w", 1, MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        if (n < 0 && errno != EAGAIN) {
            return -1;
        }
    }
    return 0;
}

int message_queue_send(message_queue *q, uint16_t type, uint16_t flags, uint64_t seq, const void *body,
                       uint64_t body_len) {
    return send_record(q, type, flags, seq, body, body_len, 1);
}

int message_queue_try_send(message_queue *q, uint16_t type, uint16_t flags, uint64_t seq, const void *body,
                           uint64_t body_len) {
    return send_record(q, type, flags, seq, body, body_len, 0);
}
