#define PY_SSIZE_T_CLEAN
#include "dlpack_tensor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The DLPack structs (dlpack.h v0.8), as the spec lays them out. */
typedef struct {
    int32_t device_type; /* kDLCPU = 1 */
    int32_t device_id;
} DLDevice;

typedef struct {
    uint8_t code; /* kDLInt 0, kDLUInt 1, kDLFloat 2, kDLBfloat 4, kDLBool 6 */
    uint8_t bits;
    uint16_t lanes;
} DLDataType;

typedef struct {
    void *data;
    DLDevice device;
    int32_t ndim;
    DLDataType dtype;
    int64_t *shape;
    int64_t *strides; /* NULL: compact, row-major */
    uint64_t byte_offset;
} DLTensor;

typedef struct DLManagedTensor {
    DLTensor dl_tensor;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensor *self);
} DLManagedTensor;

/* ---- to_dlpack ------------------------------------------------------------------------------------------- */

typedef struct {
    DLManagedTensor managed;
    Py_buffer view;
    int64_t shape[];
} exported;

static void exported_deleter(DLManagedTensor *self) {
    exported *e = (exported *)self->manager_ctx;
    PyGILState_STATE gil = PyGILState_Ensure(); /* the consumer may delete from any thread */
    PyBuffer_Release(&e->view);
    PyGILState_Release(gil);
    free(e);
}

static void capsule_destructor(PyObject *capsule) {
    /* Only a capsule nobody consumed still owns its tensor ("used_dltensor" after a consumer took it). */
    if (PyCapsule_IsValid(capsule, "dltensor")) {
        DLManagedTensor *m = PyCapsule_GetPointer(capsule, "dltensor");
        if (m && m->deleter) {
            m->deleter(m);
        }
    }
}

PyObject *tpb_to_dlpack(PyObject *mod, PyObject *args) {
    (void)mod;
    PyObject *obj, *shape;
    int code, bits;
    if (!PyArg_ParseTuple(args, "OiiO!", &obj, &code, &bits, &PyList_Type, &shape)) {
        return NULL;
    }
    Py_ssize_t ndim = PyList_GET_SIZE(shape);
    exported *e = calloc(1, sizeof(exported) + (size_t)(ndim > 0 ? ndim : 1) * sizeof(int64_t));
    if (!e) {
        return PyErr_NoMemory();
    }
    if (PyObject_GetBuffer(obj, &e->view, PyBUF_C_CONTIGUOUS) != 0) {
        free(e);
        return NULL;
    }
    int64_t elements = 1;
    for (Py_ssize_t i = 0; i < ndim; i++) {
        e->shape[i] = PyLong_AsLongLong(PyList_GET_ITEM(shape, i));
        elements *= e->shape[i];
    }
    if (PyErr_Occurred() || elements * ((bits + 7) / 8) != e->view.len) {
        PyBuffer_Release(&e->view);
        free(e);
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "to_dlpack: the tensor's bytes do not match its shape and dtype");
        }
        return NULL;
    }
    DLTensor *t = &e->managed.dl_tensor;
    t->data = e->view.buf;
    t->device.device_type = 1;
    t->device.device_id = 0;
    t->ndim = (int32_t)ndim;
    t->dtype.code = (uint8_t)code;
    t->dtype.bits = (uint8_t)bits;
    t->dtype.lanes = 1;
    t->shape = e->shape;
    t->strides = NULL;
    t->byte_offset = 0;
    e->managed.manager_ctx = e;
    e->managed.deleter = exported_deleter;
    PyObject *capsule = PyCapsule_New(&e->managed, "dltensor", capsule_destructor);
    if (!capsule) {
        exported_deleter(&e->managed);
    }
    return capsule;
}

/* ---- from_dlpack ----------------------------------------------------------------------------------------- */

/* The bytes of a consumed DLPack tensor, as a writable buffer; deallocating it calls the producer's deleter. */
typedef struct {
    PyObject_HEAD
    DLManagedTensor *managed;
    void *data;
    Py_ssize_t nbytes;
} dl_buffer;

static int dl_getbuffer(PyObject *obj, Py_buffer *view, int flags) {
    dl_buffer *self = (dl_buffer *)obj;
    return PyBuffer_FillInfo(view, obj, self->data, self->nbytes, 0, flags);
}

static void dl_dealloc(PyObject *obj) {
    dl_buffer *self = (dl_buffer *)obj;
    if (self->managed && self->managed->deleter) {
        self->managed->deleter(self->managed);
    }
    Py_TYPE(obj)->tp_free(obj);
}

static PyBufferProcs dl_as_buffer = {dl_getbuffer, NULL};

static PyTypeObject DLBufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_tpb.DLPackBuffer",
    .tp_basicsize = sizeof(dl_buffer),
    .tp_dealloc = dl_dealloc,
    .tp_as_buffer = &dl_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The bytes of a tensor taken from a DLPack capsule (zero-copy).",
};

int tpb_dlpack_ready(void) {
    return PyType_Ready(&DLBufferType);
}

/* The Python backend's TritonModelException is raised by the Python side; here ValueError carries Triton's text. */
PyObject *tpb_from_dlpack(PyObject *mod, PyObject *capsule) {
    (void)mod;
    if (!PyCapsule_IsValid(capsule, "dltensor")) {
        PyErr_SetString(PyExc_ValueError, "Provided tensor is not supported. Tensor must be a DLPack capsule or have "
                                          "`__dlpack__` and `__dlpack_device__` attributes");
        return NULL;
    }
    DLManagedTensor *m = PyCapsule_GetPointer(capsule, "dltensor");
    DLTensor *t = &m->dl_tensor;
    if (t->device.device_type != 1 && t->device.device_type != 3) { /* kDLCPU, kDLCUDAHost (pinned CPU memory) */
        PyErr_Format(PyExc_ValueError, "DLDevice type %d is not support by Python backend.", (int)t->device.device_type);
        return NULL;
    }
    if (t->dtype.lanes != 1) {
        PyErr_Format(PyExc_ValueError, "DLPack tensors with %d lanes are not supported", (int)t->dtype.lanes);
        return NULL;
    }
    int64_t itemsize = (t->dtype.bits + 7) / 8;
    int64_t elements = 1;
    for (int32_t i = 0; i < t->ndim; i++) {
        elements *= t->shape[i];
    }
    if (t->strides) {
        /* Compact row-major only (a dimension of size 1 may have any stride) */
        int64_t expected = 1;
        for (int32_t i = t->ndim - 1; i >= 0; i--) {
            if (t->shape[i] != 1 && t->strides[i] != expected) {
                PyErr_SetString(PyExc_ValueError, "DLPack tensor is not contiguous. Only contiguous DLPack tensors "
                                                  "that are stored in C-Order are supported.");
                return NULL;
            }
            expected *= t->shape[i];
        }
    }
    PyObject *shape = PyList_New(t->ndim);
    if (!shape) {
        return NULL;
    }
    for (int32_t i = 0; i < t->ndim; i++) {
        PyList_SET_ITEM(shape, i, PyLong_FromLongLong(t->shape[i]));
    }
    dl_buffer *b = PyObject_New(dl_buffer, &DLBufferType);
    if (!b) {
        Py_DECREF(shape);
        return NULL;
    }
    b->managed = m;
    b->data = (char *)t->data + t->byte_offset;
    b->nbytes = (Py_ssize_t)(elements * itemsize);
    if (PyCapsule_SetName(capsule, "used_dltensor") != 0) { /* consumed: the capsule no longer deletes it */
        b->managed = NULL;
        Py_DECREF(b);
        Py_DECREF(shape);
        return NULL;
    }
    return Py_BuildValue("(iiNN)", (int)t->dtype.code, (int)t->dtype.bits, shape, (PyObject *)b);
}
