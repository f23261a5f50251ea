#include "stub_heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tpb_layout.h"

typedef struct {
    uint64_t offset;
    uint64_t size;
} heap_range;

typedef struct {
    uint64_t offset;
    uint64_t size;
    uint32_t refs;
} heap_block;

/* Both arrays are sorted by offset; a stub has tens to thousands of blocks at most, so arrays beat trees. */
static heap_range *g_free;
static size_t g_nfree, g_free_cap;
static heap_block *g_blocks;
static size_t g_nblocks, g_blocks_cap;
static uint64_t g_owned;
static shm_region *g_region;
static uint8_t *g_free_desc; /* the free ring's descriptor */
static uint8_t *g_free_data;
static uint64_t g_free_size;

static uint64_t align_up(uint64_t x) {
    return (x + TPB_ALLOC_ALIGN - 1) & ~(uint64_t)(TPB_ALLOC_ALIGN - 1);
}

static int reserve(void **array, size_t *cap, size_t need, size_t item) {
    if (need <= *cap) {
        return 0;
    }
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need) {
        n *= 2;
    }
    void *p = realloc(*array, n * item);
    if (!p) {
        return -1;
    }
    *array = p;
    *cap = n;
    return 0;
}

/* Adds [offset, offset + size) to the free list, merging with its neighbours. */
static int add_free(uint64_t offset, uint64_t size) {
    if (size == 0) {
        return 0;
    }
    size_t i = 0;
    size_t lo = 0, hi = g_nfree;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g_free[mid].offset < offset) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    i = lo;
    int merge_prev = i > 0 && g_free[i - 1].offset + g_free[i - 1].size == offset;
    int merge_next = i < g_nfree && offset + size == g_free[i].offset;
    if (merge_prev && merge_next) {
        g_free[i - 1].size += size + g_free[i].size;
        memmove(&g_free[i], &g_free[i + 1], (g_nfree - i - 1) * sizeof(heap_range));
        g_nfree--;
    } else if (merge_prev) {
        g_free[i - 1].size += size;
    } else if (merge_next) {
        g_free[i].offset = offset;
        g_free[i].size += size;
    } else {
        if (reserve((void **)&g_free, &g_free_cap, g_nfree + 1, sizeof(heap_range)) != 0) {
            return -1;
        }
        memmove(&g_free[i + 1], &g_free[i], (g_nfree - i) * sizeof(heap_range));
        g_free[i].offset = offset;
        g_free[i].size = size;
        g_nfree++;
    }
    return 0;
}

/* Index of the block starting at or containing addr, or -1. */
static long find_block(uint64_t addr) {
    size_t lo = 0, hi = g_nblocks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g_blocks[mid].offset <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) {
        return -1;
    }
    heap_block *b = &g_blocks[lo - 1];
    return addr < b->offset + (b->size ? b->size : 1) ? (long)(lo - 1) : -1;
}

static int add_block(uint64_t offset, uint64_t size) {
    if (reserve((void **)&g_blocks, &g_blocks_cap, g_nblocks + 1, sizeof(heap_block)) != 0) {
        return -1;
    }
    size_t lo = 0, hi = g_nblocks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g_blocks[mid].offset < offset) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    memmove(&g_blocks[lo + 1], &g_blocks[lo], (g_nblocks - lo) * sizeof(heap_block));
    g_blocks[lo].offset = offset;
    g_blocks[lo].size = size;
    g_blocks[lo].refs = 1;
    g_nblocks++;
    return 0;
}

int stub_heap_init(shm_region *region, uint64_t start, uint64_t end, char *err, size_t errlen) {
    g_region = region;
    g_free_desc = region->control + TPB_OFF_RING_FREE;
    g_free_data = region->base + shm_load_u64(g_free_desc + TPB_RING_DATA_OFFSET);
    g_free_size = shm_load_u64(g_free_desc + TPB_RING_DATA_SIZE);
    start = align_up(start);
    if (end > start) {
        g_owned = end - start;
        if (add_free(start, end - start) != 0) {
            snprintf(err, errlen, "out of memory setting up the stub's heap");
            return -1;
        }
    }
    return 0;
}

/* First fit: the lowest free position where nbytes fit without crossing a window boundary. */
static int take(uint64_t size, uint64_t *offset) {
    for (size_t i = 0; i < g_nfree; i++) {
        uint64_t at = align_up(g_free[i].offset);
        uint64_t end = g_free[i].offset + g_free[i].size;
        if (at / TPB_WINDOW_BYTES != (at + size - 1) / TPB_WINDOW_BYTES) {
            at = (at / TPB_WINDOW_BYTES + 1) * TPB_WINDOW_BYTES;
        }
        if (at + size > end) {
            continue;
        }
        uint64_t before = at - g_free[i].offset;
        uint64_t after = end - (at + size);
        if (before == 0 && after == 0) {
            memmove(&g_free[i], &g_free[i + 1], (g_nfree - i - 1) * sizeof(heap_range));
            g_nfree--;
        } else if (before == 0) {
            g_free[i].offset = at + size;
            g_free[i].size = after;
        } else {
            g_free[i].size = before;
            if (after > 0 && add_free(at + size, after) != 0) {
                return -1;
            }
        }
        *offset = at;
        return 1;
    }
    return 0;
}

int stub_heap_alloc(uint64_t nbytes, uint64_t *offset, char *err, size_t errlen) {
    if (nbytes > TPB_WINDOW_BYTES) {
        snprintf(err, errlen, "a single tensor of %llu bytes is larger than tpb's limit of %llu bytes",
                 (unsigned long long)nbytes, (unsigned long long)TPB_WINDOW_BYTES);
        return -1;
    }
    stub_heap_drain();
    uint64_t size = align_up(nbytes ? nbytes : 1);
    for (int attempt = 0; attempt < 3; attempt++) {
        int found = take(size, offset);
        if (found < 0) {
            snprintf(err, errlen, "out of memory in the stub's heap bookkeeping");
            return -1;
        }
        if (found) {
            if (add_block(*offset, size) != 0) {
                add_free(*offset, size);
                snprintf(err, errlen, "out of memory in the stub's heap bookkeeping");
                return -1;
            }
            return 0;
        }
        /* Claim more at the end of the region: growth steps, enough for this block even after a window boundary. */
        uint64_t growth = shm_load_u64(g_region->control + TPB_OFF_GROWTH);
        if (growth == 0) {
            growth = 1 << 20;
        }
        uint64_t want = size + TPB_ALLOC_ALIGN;
        uint64_t capacity = shm_region_capacity(g_region);
        if (capacity / TPB_WINDOW_BYTES != (capacity + want - 1) / TPB_WINDOW_BYTES) {
            want += TPB_WINDOW_BYTES - capacity % TPB_WINDOW_BYTES;
        }
        uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
        uint64_t bytes = (growth * (want / growth + 1) + page - 1) / page * page; /* what the claim rounds to */
        uint64_t start;
        if (shm_region_claim(g_region, bytes, &start, err, errlen) != 0) {
            return -1;
        }
        g_owned += bytes;
        if (add_free(start, bytes) != 0) {
            snprintf(err, errlen, "out of memory in the stub's heap bookkeeping");
            return -1;
        }
    }
    snprintf(err, errlen, "could not place %llu bytes in the shared memory region", (unsigned long long)nbytes);
    return -1;
}

int64_t stub_heap_hold(uint64_t addr) {
    long i = find_block(addr);
    if (i < 0) {
        return -1;
    }
    g_blocks[i].refs++;
    return (int64_t)g_blocks[i].offset;
}

void stub_heap_release(uint64_t offset) {
    long i = find_block(offset);
    if (i < 0 || g_blocks[i].offset != offset) {
        fprintf(stderr, "tpb stub: the launcher released unknown heap block %llu\n", (unsigned long long)offset);
        return;
    }
    if (--g_blocks[i].refs > 0) {
        return;
    }
    uint64_t size = g_blocks[i].size;
    memmove(&g_blocks[i], &g_blocks[i + 1], (g_nblocks - (size_t)i - 1) * sizeof(heap_block));
    g_nblocks--;
    add_free(offset, size);
}

void stub_heap_drain(void) {
    uint64_t head = shm_load_u64(g_free_desc + TPB_RING_HEAD);
    uint64_t tail = __atomic_load_n((uint64_t *)(g_free_desc + TPB_RING_TAIL), __ATOMIC_RELAXED);
    if (head == tail) {
        return;
    }
    for (; tail != head; tail += 8) {
        uint64_t offset;
        memcpy(&offset, g_free_data + (tail & (g_free_size - 1)), 8);
        stub_heap_release(offset);
    }
    shm_store_u64(g_free_desc + TPB_RING_TAIL, tail);
}

void stub_heap_stats(uint64_t *blocks, uint64_t *owned, uint64_t *free_bytes) {
    uint64_t f = 0;
    for (size_t i = 0; i < g_nfree; i++) {
        f += g_free[i].size;
    }
    *blocks = g_nblocks;
    *owned = g_owned;
    *free_bytes = f;
}
