/* Single-producer single-consumer message rings in the shared region, with the doorbell socket that wakes
 * a consumer blocked in read(). See "Waking the peer" in docs/protocol.md. */
#ifndef TPB_MESSAGE_QUEUE_H
#define TPB_MESSAGE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "shm_region.h"

typedef struct {
    uint8_t *desc; /* ring descriptor in the control block */
    uint8_t *data;
    uint64_t size;
} ring;

typedef struct {
    shm_region *region;
    ring to_stub;     /* we consume */
    ring to_launcher; /* we produce */
    int doorbell;     /* connected Unix stream socket */
    long spin_ns;        /* the longest a consumer spins before blocking (TPB_SPIN_US, default 50) */
    long spin_budget_ns; /* the current spin, adapted to how long recent waits took */
} message_queue;

typedef struct {
    uint16_t type;
    uint16_t flags;
    uint64_t seq;
    const uint8_t *body; /* points into the ring or the heap; valid until the next receive */
    uint64_t body_len;
    uint64_t indirect_offset; /* for an INDIRECT body: where the launcher put it in its heap (else 0) */
} message;

int message_queue_open(message_queue *q, shm_region *region, char *err, size_t errlen);

/* Blocks until a message arrives. Returns 0, or -1 when the launcher has gone away (end of file). */
int message_queue_receive(message_queue *q, message *m);

/* Releases the space of the last received message. */
void message_queue_release(message_queue *q);

/* Writes a message (the caller placed large bodies in the heap and passes INDIRECT itself), waiting for room in
 * the ring. Not thread-safe: one sender at a time (the _tpb module serializes them). */
int message_queue_send(message_queue *q, uint16_t type, uint16_t flags, uint64_t seq, const void *body,
                       uint64_t body_len);

/* The same without waiting: -1 with errno EAGAIN when the ring has no room now. */
int message_queue_try_send(message_queue *q, uint16_t type, uint16_t flags, uint64_t seq, const void *body,
                           uint64_t body_len);

#endif
