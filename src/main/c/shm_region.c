#define _GNU_SOURCE
#include "shm_region.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpb_layout.h"

/* Address space reserved up front (not memory): the region can grow to this size without moving. */
#define RESERVE_BYTES (64ull << 30)

static int map_range(shm_region *r, uint64_t from, uint64_t to, char *err, size_t errlen) {
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
    r->mapped = to;
    return 0;
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
    if (map_range(r, 0, (uint64_t)st.st_size, err, errlen) != 0) {
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
    return map_range(r, r->mapped, capacity, err, errlen);
}

int shm_region_grow(shm_region *r, uint64_t needed, char *err, size_t errlen) {
    if (shm_region_refresh(r, err, errlen) != 0) {
        return -1;
    }
    uint64_t capacity = shm_region_capacity(r);
    if (needed <= capacity) {
        return 0;
    }
    uint64_t growth = shm_load_u64(r->control + TPB_OFF_GROWTH);
    if (growth == 0) {
        growth = 1 << 20;
    }
    uint64_t extra = needed - capacity;
    uint64_t target = capacity + growth * (extra / growth + 1);
    /* Whole pages: the next growth maps from here with MAP_FIXED, which needs a page-aligned offset. */
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    target = (target + page - 1) / page * page;
    /* Reserve the pages now: a full /dev/shm must be an error here, not a SIGBUS on first touch. */
    int rc = posix_fallocate(r->fd, (off_t)capacity, (off_t)(target - capacity));
    if (rc != 0) {
        snprintf(err, errlen,
                 "Failed to increase the shared memory pool size to %llu bytes. If you are running Triton inside "
                 "docker, use '--shm-size' flag to control the shared memory region size. Error: %s "
                 "(region '%s' in /dev/shm needs %llu bytes)",
                 (unsigned long long)capacity, strerror(rc), r->name, (unsigned long long)target);
        return -1;
    }
    if (map_range(r, r->mapped, target, err, errlen) != 0) {
        return -1;
    }
    shm_store_u64(r->control + TPB_OFF_CAPACITY, target);
    return 0;
}
