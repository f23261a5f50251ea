/* DLPack for the stub (the ABI of dmlc/dlpack v0.8, which Triton's python backend uses): Tensor.to_dlpack() wraps a
 * tensor's bytes in a "dltensor" capsule, Tensor.from_dlpack() takes one (from torch, numpy, another Tensor) without a
 * copy. Every dtype works, BF16 included, and numpy is not needed. */
#ifndef TPB_DLPACK_TENSOR_H
#define TPB_DLPACK_TENSOR_H

#include <Python.h>

/* to_dlpack(obj, code, bits, shape) -> capsule: obj's buffer (C-contiguous) as a CPU DLTensor. */
PyObject *tpb_to_dlpack(PyObject *mod, PyObject *args);

/* from_dlpack(capsule) -> (code, bits, shape, buffer): the capsule is consumed; buffer exposes the bytes and gives
 * them back to their owner (the DLPack deleter) when it goes away. */
PyObject *tpb_from_dlpack(PyObject *mod, PyObject *capsule);

int tpb_dlpack_ready(void);

#endif
