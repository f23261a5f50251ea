#define _GNU_SOURCE
#include "shm_region.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpb_layout.h"

/* Address space reserved up front (not memory): the region can grow to this size without moving. */
#define RESERVE_BYTES (64ull << 30)

/* Maps [r->mapped, to). Several threads map (a receiving one, allocating ones): one at a time. */
static pthread_mutex_t g_map_lock = PTHREAD_MUTEX_INITIALIZER;

static int map_to_locked(shm_region *r, uint64_t to, char *err, size_t errlen) {
    uint64_t from = r->mapped;
    if (to <= from) {
        return 0;
    }
    if (to > r->reserved) {
        snprintf(err, errlen, "shared memory region '%s' would exceed %llu bytes", r->name,
                 (unsigned long long)r->reserved);
        return -1;
    }
    void *p = mmap(r->base + from, to - from, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, r->fd, (off_t)from);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "Failed to create new mapped region for the grown shared memory region '%s'. %s",
                 r->name, strerror(errno));
        return -1;
    }
    __atomic_store_n(&r->mapped, to, __ATOMIC_RELEASE);
    return 0;
}

static int map_to(shm_region *r, uint64_t to, char *err, size_t errlen) {
    pthread_mutex_lock(&g_map_lock);
    int rc = map_to_locked(r, to, err, errlen);
    pthread_mutex_unlock(&g_map_lock);
    return rc;
}

int shm_region_open(shm_region *r, const char *name, uint64_t control_offset, char *err, size_t errlen) {
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->fd = shm_open(name, O_RDWR, 0);
    if (r->fd < 0) {
        snprintf(err, errlen, "cannot open shared memory region '%s': %s", name, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(r->fd, &st) != 0 || (uint64_t)st.st_size < control_offset + TPB_CONTROL_BYTES) {
        snprintf(err, errlen, "shared memory region '%s' is too small to be a tpb region", name);
        return -1;
    }
    void *reserve = mmap(NULL, RESERVE_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserve == MAP_FAILED) {
        snprintf(err, errlen, "cannot reserve address space for '%s': %s", name, strerror(errno));
        return -1;
    }
    r->base = reserve;
    r->reserved = RESERVE_BYTES;
    if (map_to(r, (uint64_t)st.st_size, err, errlen) != 0) {
        return -1;
    }
    r->control = r->base + control_offset;
    return 0;
}

uint64_t shm_region_capacity(const shm_region *r) {
    return shm_load_u64(r->control + TPB_OFF_CAPACITY);
}

int shm_region_refresh(shm_region *r, char *err, size_t errlen) {
    uint64_t capacity = shm_region_capacity(r);
    return map_to(r, capacity, err, errlen);
}

/* Claims [start, start + bytes) at the end of the region for the caller's own allocations: the launcher and the
 * stub both grow the region, so the new range is taken by a compare-and-swap on `capacity` before anything is
 * written to it; the winner then reserves its pages (posix_fallocate), which only ever extends the file. */
int shm_region_claim(shm_region *r, uint64_t bytes, uint64_t *start, char *err, size_t errlen) {
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    bytes = (bytes + page - 1) / page * page;
    uint64_t capacity = shm_region_capacity(r);
    for (;;) {
        if (capacity + bytes > r->reserved) {
            snprintf(err, errlen, "shared memory region '%s' would exceed %llu bytes", r->name,
                     (unsigned long long)r->reserved);
            return -1;
        }
        if (__atomic_compare_exchange_n((uint64_t *)(r->control + TPB_OFF_CAPACITY), &capacity, capacity + bytes, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            break;
        }
    }
    /* Reserve the pages now: a full /dev/shm must be an error here, not a SIGBUS on first touch. */
    int rc = posix_fallocate(r->fd, (off_t)capacity, (off_t)bytes);
    if (rc != 0) {
        snprintf(err, errlen,
                 "Failed to increase the shared memory pool size to %llu bytes. If you are running Triton inside "
                 "docker, use '--shm-size' flag to control the shared memory region size. Error: %s "
                 "(region '%s' in /dev/shm)",
                 (unsigned long long)(capacity + bytes), strerror(rc), r->name);
        return -1;
    }
    if (map_to(r, capacity + bytes, err, errlen) != 0) {
        return -1;
    }
    *start = capacity;
    return 0;
}
