/* The stub's own part of the region's heap (docs/protocol.md, "The heap"): output tensors, BLS inputs and large
 * message bodies. Each block is reference counted; the launcher gives its references back through the free ring,
 * which is drained whenever the stub allocates. Callers hold the GIL (it serializes every use). */
#ifndef TPB_STUB_HEAP_H
#define TPB_STUB_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "shm_region.h"

/* [start, end) is the stub's first extent (the launcher wrote it into the control block). */
int stub_heap_init(shm_region *region, uint64_t start, uint64_t end, char *err, size_t errlen);

/* A new block of at least `nbytes` (64-byte aligned, never across a 1 GiB window), with one reference. */
int stub_heap_alloc(uint64_t nbytes, uint64_t *offset, char *err, size_t errlen);

/* One more reference to the block that contains `addr`; returns the block's offset, or -1 if no block does. */
int64_t stub_heap_hold(uint64_t addr);

/* Gives back one reference to the block starting at `offset`; the block is free once none is left. */
void stub_heap_release(uint64_t offset);

/* Reads the free ring: every record is one reference the launcher gives back. */
void stub_heap_drain(void);

/* For tests and diagnostics: blocks in use, and bytes the stub owns in all. */
void stub_heap_stats(uint64_t *blocks, uint64_t *owned, uint64_t *free_bytes);

#endif
