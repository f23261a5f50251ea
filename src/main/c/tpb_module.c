#define PY_SSIZE_T_CLEAN
#include "tpb_module.h"

#include <string.h>

#include "tpb_layout.h"

static shm_region *g_region;
static message_queue *g_queue;
static uint64_t g_arena;     /* next free heap byte for the stub's allocations in this EXECUTE */

/* ---- views -------------------------------------------------------------------------------------------- */

/* A writable byte range of the region exported through the buffer protocol. Every live view is on a list;
 * views still alive when an EXECUTE ends are "pinned" (reported to the launcher, never reused) until they
 * are deallocated, at which point their range is reported as unpinned. */
typedef struct shm_view {
    PyObject_HEAD
    uint64_t offset;
    uint64_t nbytes;
    Py_ssize_t shape;
    int pinned;
    struct shm_view *prev, *next;
} shm_view;

static shm_view *g_views;    /* all live views */
static PyObject *g_unpins;   /* list of [offset, nbytes] released since the last EXECUTE_RESULT */

static int view_getbuffer(PyObject *obj, Py_buffer *view, int flags) {
    shm_view *self = (shm_view *)obj;
    self->shape = (Py_ssize_t)self->nbytes;
    return PyBuffer_FillInfo(view, obj, g_region->base + self->offset, (Py_ssize_t)self->nbytes, 0, flags);
}

static void view_dealloc(PyObject *obj) {
    shm_view *self = (shm_view *)obj;
    if (self->prev) {
        self->prev->next = self->next;
    } else if (g_views == self) {
        g_views = self->next;
    }
    if (self->next) {
        self->next->prev = self->prev;
    }
    if (self->pinned && g_unpins) {
        PyObject *range = Py_BuildValue("[KK]", (unsigned long long)self->offset, (unsigned long long)self->nbytes);
        if (range) {
            PyList_Append(g_unpins, range);
            Py_DECREF(range);
        }
        PyErr_Clear();
    }
    Py_TYPE(obj)->tp_free(obj);
}

static PyObject *view_repr(PyObject *obj) {
    shm_view *self = (shm_view *)obj;
    return PyUnicode_FromFormat("<_tpb.ShmView offset=%llu nbytes=%llu>", (unsigned long long)self->offset,
                                (unsigned long long)self->nbytes);
}

static PyObject *view_get_offset(PyObject *obj, void *closure) {
    (void)closure;
    return PyLong_FromUnsignedLongLong(((shm_view *)obj)->offset);
}

static PyObject *view_get_nbytes(PyObject *obj, void *closure) {
    (void)closure;
    return PyLong_FromUnsignedLongLong(((shm_view *)obj)->nbytes);
}

static PyGetSetDef view_getset[] = {
    {"offset", view_get_offset, NULL, "Offset of the bytes in the shared-memory region.", NULL},
    {"nbytes", view_get_nbytes, NULL, "Length in bytes.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs view_as_buffer = {view_getbuffer, NULL};

static PyTypeObject ShmViewType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_tpb.ShmView",
    .tp_basicsize = sizeof(shm_view),
    .tp_dealloc = view_dealloc,
    .tp_repr = view_repr,
    .tp_as_buffer = &view_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Bytes of the stub's shared-memory region (zero-copy, writable).",
    .tp_getset = view_getset,
};

static int check_range(uint64_t offset, uint64_t nbytes) {
    char err[512];
    if (shm_region_refresh(g_region, err, sizeof(err)) != 0) {
        PyErr_SetString(PyExc_MemoryError, err);
        return -1;
    }
    uint64_t heap = shm_load_u64(g_region->control + TPB_OFF_HEAP);
    if (offset < heap || offset + nbytes < offset || offset + nbytes > g_region->mapped) {
        PyErr_Format(PyExc_ValueError, "tensor bytes [%llu, %llu) lie outside the shared-memory heap",
                     (unsigned long long)offset, (unsigned long long)(offset + nbytes));
        return -1;
    }
    return 0;
}

static PyObject *tpb_view(PyObject *mod, PyObject *args) {
    (void)mod;
    unsigned long long offset, nbytes;
    if (!PyArg_ParseTuple(args, "KK", &offset, &nbytes) || check_range(offset, nbytes) != 0) {
        return NULL;
    }
    shm_view *v = PyObject_New(shm_view, &ShmViewType);
    if (!v) {
        return NULL;
    }
    v->offset = offset;
    v->nbytes = nbytes;
    v->pinned = 0;
    v->prev = NULL;
    v->next = g_views;
    if (g_views) {
        g_views->prev = v;
    }
    g_views = v;
    return (PyObject *)v;
}

/* ---- heap --------------------------------------------------------------------------------------------- */

static uint64_t align_up(uint64_t x) {
    return (x + TPB_ALLOC_ALIGN - 1) & ~(uint64_t)(TPB_ALLOC_ALIGN - 1);
}

/* First position >= start where nbytes fit without touching a pinned view or crossing a window boundary. */
static uint64_t place(uint64_t start, uint64_t nbytes) {
    uint64_t at = align_up(start);
    for (int moved = 1; moved;) {
        moved = 0;
        if (nbytes > 0 && at / TPB_WINDOW_BYTES != (at + nbytes - 1) / TPB_WINDOW_BYTES) {
            at = (at / TPB_WINDOW_BYTES + 1) * TPB_WINDOW_BYTES;
            moved = 1;
        }
        for (shm_view *v = g_views; v; v = v->next) {
            if (v->pinned && at < v->offset + v->nbytes && v->offset < at + nbytes) {
                at = align_up(v->offset + v->nbytes);
                moved = 1;
            }
        }
    }
    return at;
}

static PyObject *tpb_alloc(PyObject *mod, PyObject *args) {
    (void)mod;
    unsigned long long nbytes;
    if (!PyArg_ParseTuple(args, "K", &nbytes)) {
        return NULL;
    }
    if (nbytes > TPB_WINDOW_BYTES) {
        PyErr_Format(PyExc_MemoryError, "a single tensor of %llu bytes is larger than tpb's limit of %llu bytes",
                     nbytes, (unsigned long long)TPB_WINDOW_BYTES);
        return NULL;
    }
    uint64_t at = place(g_arena, nbytes);
    char err[1024];
    if (shm_region_grow(g_region, at + nbytes, err, sizeof(err)) != 0) {
        PyErr_SetString(PyExc_MemoryError, err);
        return NULL;
    }
    g_arena = at + nbytes;
    return PyLong_FromUnsignedLongLong(at);
}

static PyObject *tpb_set_arena(PyObject *mod, PyObject *args) {
    (void)mod;
    unsigned long long arena;
    if (!PyArg_ParseTuple(args, "K", &arena)) {
        return NULL;
    }
    g_arena = arena;
    Py_RETURN_NONE;
}

/* (offset, nbytes) when obj's bytes are C-contiguous and lie in the heap, else None: lets an output that is
 * a view of an input (or of any tensor already in shared memory) be sent without a copy. */
static PyObject *tpb_locate(PyObject *mod, PyObject *obj) {
    (void)mod;
    Py_buffer buf;
    if (PyObject_GetBuffer(obj, &buf, PyBUF_C_CONTIGUOUS) != 0) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    const uint8_t *p = buf.buf;
    uint64_t heap = shm_load_u64(g_region->control + TPB_OFF_HEAP);
    PyObject *result = NULL;
    if (p >= g_region->base + heap && p + buf.len <= g_region->base + g_region->mapped) {
        result = Py_BuildValue("(KK)", (unsigned long long)(p - g_region->base), (unsigned long long)buf.len);
    }
    PyBuffer_Release(&buf);
    if (!result) {
        Py_RETURN_NONE;
    }
    return result;
}

/* Pins every view still alive and returns (pins, unpins) for the EXECUTE_RESULT. */
static PyObject *tpb_end_cycle(PyObject *mod, PyObject *noargs) {
    (void)mod;
    (void)noargs;
    PyObject *pins = PyList_New(0);
    if (!pins) {
        return NULL;
    }
    for (shm_view *v = g_views; v; v = v->next) {
        if (!v->pinned) {
            v->pinned = 1;
            PyObject *range = Py_BuildValue("[KK]", (unsigned long long)v->offset, (unsigned long long)v->nbytes);
            if (!range || PyList_Append(pins, range) != 0) {
                Py_XDECREF(range);
                Py_DECREF(pins);
                return NULL;
            }
            Py_DECREF(range);
        }
    }
    PyObject *unpins = g_unpins;
    g_unpins = PyList_New(0);
    if (!g_unpins) {
        Py_DECREF(pins);
        Py_DECREF(unpins);
        return NULL;
    }
    PyObject *result = PyTuple_Pack(2, pins, unpins);
    Py_DECREF(pins);
    Py_DECREF(unpins);
    return result;
}

/* ---- messages ----------------------------------------------------------------------------------------- */

static PyObject *tpb_recv(PyObject *mod, PyObject *noargs) {
    (void)mod;
    (void)noargs;
    message m;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = message_queue_receive(g_queue, &m);
    Py_END_ALLOW_THREADS
    if (rc != 0) {
        PyErr_SetString(PyExc_EOFError, "the launcher closed the connection");
        return NULL;
    }
    PyObject *body = PyBytes_FromStringAndSize((const char *)m.body, (Py_ssize_t)m.body_len);
    message_queue_release(g_queue);
    if (!body) {
        return NULL;
    }
    PyObject *result = Py_BuildValue("(iKN)", (int)m.type, (unsigned long long)m.seq, body);
    return result;
}

static PyObject *tpb_send(PyObject *mod, PyObject *args) {
    (void)mod;
    int type;
    unsigned long long seq;
    Py_buffer body;
    if (!PyArg_ParseTuple(args, "iKy*", &type, &seq, &body)) {
        return NULL;
    }
    int rc;
    uint64_t limit = g_queue->to_launcher.size / 4;
    if ((uint64_t)body.len > limit) {
        /* Too big for the ring: put it in the heap, send its place. */
        uint64_t at = place(g_arena, (uint64_t)body.len);
        char err[1024];
        if (shm_region_grow(g_region, at + (uint64_t)body.len, err, sizeof(err)) != 0) {
            PyBuffer_Release(&body);
            PyErr_SetString(PyExc_MemoryError, err);
            return NULL;
        }
        g_arena = at + (uint64_t)body.len;
        memcpy(g_region->base + at, body.buf, (size_t)body.len);
        uint64_t ref[2] = {at, (uint64_t)body.len};
        rc = message_queue_send(g_queue, (uint16_t)type, TPB_FLAG_INDIRECT, seq, ref, sizeof(ref));
    } else {
        rc = message_queue_send(g_queue, (uint16_t)type, 0, seq, body.buf, (uint64_t)body.len);
    }
    PyBuffer_Release(&body);
    if (rc != 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *tpb_heap_offset(PyObject *mod, PyObject *noargs) {
    (void)mod;
    (void)noargs;
    return PyLong_FromUnsignedLongLong(shm_load_u64(g_region->control + TPB_OFF_HEAP));
}

static PyMethodDef tpb_methods[] = {
    {"recv", tpb_recv, METH_NOARGS, "recv() -> (type, seq, body: bytes): wait for the launcher's next message."},
    {"send", tpb_send, METH_VARARGS, "send(type, seq, body): send a message to the launcher."},
    {"view", tpb_view, METH_VARARGS, "view(offset, nbytes) -> ShmView: zero-copy bytes of the region."},
    {"alloc", tpb_alloc, METH_VARARGS, "alloc(nbytes) -> offset: heap space for an output (grows the region)."},
    {"set_arena", tpb_set_arena, METH_VARARGS, "set_arena(offset): where this EXECUTE's allocations start."},
    {"locate", tpb_locate, METH_O, "locate(obj) -> (offset, nbytes) | None: is obj already in the heap?"},
    {"end_cycle", tpb_end_cycle, METH_NOARGS, "end_cycle() -> (pins, unpins): pin views still referenced."},
    {"heap_offset", tpb_heap_offset, METH_NOARGS, "heap_offset() -> offset of the heap."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef tpb_module = {
    PyModuleDef_HEAD_INIT, "_tpb", "tpb stub internals: messages and shared memory.", -1, tpb_methods,
    NULL, NULL, NULL, NULL,
};

PyObject *PyInit__tpb(void) {
    if (PyType_Ready(&ShmViewType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&tpb_module);
    if (!m) {
        return NULL;
    }
    g_unpins = PyList_New(0);
    if (!g_unpins) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&ShmViewType);
    if (PyModule_AddObject(m, "ShmView", (PyObject *)&ShmViewType) != 0) {
        Py_DECREF(&ShmViewType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

void tpb_module_setup(shm_region *region, message_queue *queue) {
    g_region = region;
    g_queue = queue;
    g_arena = shm_load_u64(region->control + TPB_OFF_HEAP);
}
