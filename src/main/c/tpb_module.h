/* The `_tpb` builtin module: what the stub's Python side needs from C (messages, shared-memory views,
 * heap allocation, pinned-range tracking, cancellation flags, log settings). */
#ifndef TPB_MODULE_H
#define TPB_MODULE_H

#include <Python.h>

#include "message_queue.h"
#include "shm_region.h"

/* Must be called before the interpreter starts (registers the module) and before the first import; sets up
 * the stub's heap from the extent the launcher gave it. */
int tpb_module_setup(shm_region *region, message_queue *queue, char *err, size_t errlen);
PyObject *PyInit__tpb(void);

#endif
