/* The stub's view of its shared-memory region: opened (never created), mapped into one reserved address
 * range so that addresses stay valid when the region grows; both sides claim new ranges at its end. */
#ifndef TPB_SHM_REGION_H
#define TPB_SHM_REGION_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int fd;
    char name[256];
    uint8_t *base;      /* start of the reserved address range */
    uint64_t mapped;    /* bytes of the region mapped at base */
    uint64_t reserved;  /* size of the reserved address range */
    uint8_t *control;   /* base + ipc_control_handle */
} shm_region;

/* Opens /dev/shm/<name> and maps it. On failure writes a message into err and returns -1. */
int shm_region_open(shm_region *r, const char *name, uint64_t control_offset, char *err, size_t errlen);

/* Maps any part of the region the peer has added since the last call (reads the capacity field). */
int shm_region_refresh(shm_region *r, char *err, size_t errlen);

/* Claims `bytes` (rounded up to whole pages) at the end of the region for the caller's allocations and returns
 * where they start; the launcher may claim at the same time, so capacity is advanced with a compare-and-swap. */
int shm_region_claim(shm_region *r, uint64_t bytes, uint64_t *start, char *err, size_t errlen);

uint64_t shm_region_capacity(const shm_region *r);

static inline uint64_t shm_load_u64(const uint8_t *p) { return __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE); }
static inline void shm_store_u64(uint8_t *p, uint64_t v) { __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELEASE); }
static inline uint32_t shm_load_u32(const uint8_t *p) { return __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE); }
static inline void shm_store_u32(uint8_t *p, uint32_t v) { __atomic_store_n((uint32_t *)p, v, __ATOMIC_RELEASE); }

#endif
