/* The `_tpb` builtin module: what the stub's Python side needs from C (messages, shared-memory views,
 * heap allocation, pinned-range tracking). */
#ifndef TPB_MODULE_H
#define TPB_MODULE_H

#include <Python.h>

#include "message_queue.h"
#include "shm_region.h"

/* Must be called before the interpreter starts (registers the module) and before the first import. */
void tpb_module_setup(shm_region *region, message_queue *queue);
PyObject *PyInit__tpb(void);

#endif
