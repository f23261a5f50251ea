#define PY_SSIZE_T_CLEAN
#include "tpb_module.h"

#include <errno.h>
#include <marshal.h>
#include <pthread.h>
#include <string.h>

#include "dlpack_tensor.h"
#include "stub_heap.h"
#include "tpb_layout.h"

static shm_region *g_region;
static message_queue *g_queue;
/* One sender at a time: model threads send responses while the main thread sends results. */
static pthread_mutex_t g_send_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- views -------------------------------------------------------------------------------------------- */

/* A writable byte range of the region exported through the buffer protocol. Views of the launcher's memory are
 * on a list: an input view (tag = its EXECUTE) still alive when that EXECUTE ends is "pinned" (reported to the
 * launcher, which keeps the memory) until it is deallocated, when its range is reported as unpinned; a view of a
 * BLS output is reported when it is deallocated, pinned or not (docs/protocol.md, "The heap"). */
enum { VIEW_WRITE = 0, VIEW_INPUT = 1, VIEW_OWNED = 2 };

typedef struct shm_view {
    PyObject_HEAD
    uint64_t offset;
    uint64_t nbytes;
    uint64_t tag;
    int mode;
    int pinned;
    struct shm_view *prev, *next;
} shm_view;

static shm_view *g_views;    /* all live views */
static PyObject *g_unpins;   /* list of [offset, nbytes] released since the last EXECUTE_RESULT */

static void add_unpin(uint64_t offset, uint64_t nbytes) {
    if (!g_unpins) {
        return;
    }
    PyObject *range = Py_BuildValue("[KK]", (unsigned long long)offset, (unsigned long long)nbytes);
    if (range) {
        PyList_Append(g_unpins, range);
        Py_DECREF(range);
    }
    PyErr_Clear();
}

static int view_getbuffer(PyObject *obj, Py_buffer *view, int flags) {
    shm_view *self = (shm_view *)obj;
    return PyBuffer_FillInfo(view, obj, g_region->base + self->offset, (Py_ssize_t)self->nbytes, 0, flags);
}

static void view_dealloc(PyObject *obj) {
    shm_view *self = (shm_view *)obj;
    if (self->mode != VIEW_WRITE) {
        if (self->prev) {
            self->prev->next = self->next;
        } else if (g_views == self) {
            g_views = self->next;
        }
        if (self->next) {
            self->next->prev = self->prev;
        }
        if (self->pinned || self->mode == VIEW_OWNED) {
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb); /* deallocation may happen while an exception is being raised */
            add_unpin(self->offset, self->nbytes);
            PyErr_Restore(type, value, tb);
        }
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

/* view(offset, nbytes[, mode, tag]): mode 0 writes the stub's own memory (untracked), 1 is an input of EXECUTE
 * `tag` (pinned if alive when it ends), 2 is launcher memory reported back when the view goes away. */
static PyObject *tpb_view(PyObject *mod, PyObject *args) {
    (void)mod;
    unsigned long long offset, nbytes, tag = 0;
    int mode = VIEW_WRITE;
    if (!PyArg_ParseTuple(args, "KK|iK", &offset, &nbytes, &mode, &tag) || check_range(offset, nbytes) != 0) {
        return NULL;
    }
    if (mode < VIEW_WRITE || mode > VIEW_OWNED) {
        PyErr_Format(PyExc_ValueError, "unknown view mode %d", mode);
        return NULL;
    }
    shm_view *v = PyObject_New(shm_view, &ShmViewType);
    if (!v) {
        return NULL;
    }
    v->offset = offset;
    v->nbytes = nbytes;
    v->tag = tag;
    v->mode = mode;
    v->pinned = 0;
    v->prev = NULL;
    v->next = NULL;
    if (mode != VIEW_WRITE) {
        v->next = g_views;
        if (g_views) {
            g_views->prev = v;
        }
        g_views = v;
    }
    return (PyObject *)v;
}

/* ---- heap ---------------------------------------------------------------------------------------------- */

static PyObject *tpb_alloc(PyObject *mod, PyObject *args) {
    (void)mod;
    unsigned long long nbytes;
    if (!PyArg_ParseTuple(args, "K", &nbytes)) {
        return NULL;
    }
    uint64_t at;
    char err[1024];
    if (stub_heap_alloc(nbytes, &at, err, sizeof(err)) != 0) {
        PyErr_SetString(PyExc_MemoryError, err);
        return NULL;
    }
    return PyLong_FromUnsignedLongLong(at);
}

/* hold(offset) -> block offset or -1: one more reference to the stub's block holding offset (an output that
 * already lies in the stub's memory). */
static PyObject *tpb_hold(PyObject *mod, PyObject *args) {
    (void)mod;
    unsigned long long offset;
    if (!PyArg_ParseTuple(args, "K", &offset)) {
        return NULL;
    }
    return PyLong_FromLongLong(stub_heap_hold(offset));
}

/* release(offset): gives back a reference the stub took itself (a result it could not send). */
static PyObject *tpb_release(PyObject *mod, PyObject *args) {
    (void)mod;
    unsigned long long offset;
    if (!PyArg_ParseTuple(args, "K", &offset)) {
        return NULL;
    }
    stub_heap_release(offset);
    Py_RETURN_NONE;
}

static PyObject *tpb_heap_stats(PyObject *mod, PyObject *noargs) {
    (void)mod;
    (void)noargs;
    uint64_t blocks, owned, free_bytes;
    stub_heap_drain();
    stub_heap_stats(&blocks, &owned, &free_bytes);
    return Py_BuildValue("(KKK)", (unsigned long long)blocks, (unsigned long long)owned,
                         (unsigned long long)free_bytes);
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
    uint64_t mapped = __atomic_load_n(&g_region->mapped, __ATOMIC_ACQUIRE);
    PyObject *result = NULL;
    if (p >= g_region->base + heap && p + buf.len <= g_region->base + mapped) {
        result = Py_BuildValue("(KK)", (unsigned long long)(p - g_region->base), (unsigned long long)buf.len);
    }
    PyBuffer_Release(&buf);
    if (!result) {
        Py_RETURN_NONE;
    }
    return result;
}

/* Pins every input view of EXECUTE `tag` still alive: the ranges for its EXECUTE_RESULT. */
static PyObject *pin_alive(uint64_t tag) {
    PyObject *pins = PyList_New(0);
    if (!pins) {
        return NULL;
    }
    for (shm_view *v = g_views; v; v = v->next) {
        if (v->mode == VIEW_INPUT && v->tag == tag && !v->pinned) {
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
    return pins;
}

static PyObject *tpb_has_unpins(PyObject *mod, PyObject *noargs) {
    (void)mod;
    (void)noargs;
    return PyBool_FromLong(g_unpins && PyList_GET_SIZE(g_unpins) > 0);
}

/* cancelled(slot) -> bool: the launcher's cancellation flag of a request (slot < 0: none). */
static PyObject *tpb_cancelled(PyObject *mod, PyObject *args) {
    (void)mod;
    long long slot;
    if (!PyArg_ParseTuple(args, "L", &slot)) {
        return NULL;
    }
    if (slot < 0 || slot >= TPB_CANCEL_SLOTS) {
        Py_RETURN_FALSE;
    }
    uint8_t flag = __atomic_load_n(g_region->base + TPB_CANCEL_OFFSET + slot, __ATOMIC_ACQUIRE);
    return PyBool_FromLong(flag != 0);
}

/* log_settings() -> int: which Logger levels the launcher wants (TPB_LOG_* bits, verbose level above bit 8). */
static PyObject *tpb_log_settings(PyObject *mod, PyObject *noargs) {
    (void)mod;
    (void)noargs;
    return PyLong_FromUnsignedLong(shm_load_u32(g_region->control + TPB_OFF_LOG_SETTINGS));
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
    if (m.indirect_offset) {
        add_unpin(m.indirect_offset, m.body_len); /* the launcher's copy of a large body is read */
    }
    if (!body) {
        return NULL;
    }
    return Py_BuildValue("(iKN)", (int)m.type, (unsigned long long)m.seq, body);
}

/* Threads send one at a time. Never wait for the send lock while holding the GIL: take the lock, then the GIL again
 * (whoever holds the lock and waits for the GIL gets it once the GIL's holder comes here). */
static void lock_send(void) {
    if (pthread_mutex_trylock(&g_send_lock) != 0) {
        Py_BEGIN_ALLOW_THREADS
        pthread_mutex_lock(&g_send_lock);
        Py_END_ALLOW_THREADS
    }
}

/* Writes one record (under the send lock); waits for room in the ring without the GIL. */
static int send_locked(uint16_t type, uint16_t flags, uint64_t seq, const void *payload, uint64_t len) {
    int rc = message_queue_try_send(g_queue, type, flags, seq, payload, len);
    int saved = errno;
    if (rc != 0 && saved == EAGAIN) {
        Py_BEGIN_ALLOW_THREADS
        rc = message_queue_send(g_queue, type, flags, seq, payload, len);
        saved = errno;
        Py_END_ALLOW_THREADS
    }
    errno = saved;
    return rc;
}

/* Sends a body (under the send lock), through the stub's heap when it is too big for the ring. */
static PyObject *send_body(int type, unsigned long long seq, const void *data, uint64_t len) {
    const void *payload = data;
    uint16_t flags = 0;
    uint64_t ref[2] = {0, 0};
    if (len > g_queue->to_launcher.size / 4) {
        /* Too big for the ring: put it in the stub's heap and send its place; the launcher frees it once read. */
        char err[1024];
        if (stub_heap_alloc(len, &ref[0], err, sizeof(err)) != 0) {
            PyErr_SetString(PyExc_MemoryError, err);
            return NULL;
        }
        memcpy(g_region->base + ref[0], data, (size_t)len);
        ref[1] = len;
        payload = ref;
        len = sizeof(ref);
        flags = TPB_FLAG_INDIRECT;
    }
    if (send_locked((uint16_t)type, flags, seq, payload, len) != 0) {
        int saved = errno;
        if (flags & TPB_FLAG_INDIRECT) {
            stub_heap_release(ref[0]);
        }
        errno = saved;
        PyErr_SetFromErrno(PyExc_OSError);
        return NULL;
    }
    Py_RETURN_NONE;
}

/* send_marshal(type, seq, body: dict, tag=-1): adds "pins" (input views of EXECUTE tag still alive, when tag >= 0)
 * and "unpins" (launcher memory released since), marshals (version 2) and sends, all under the send lock: a range is
 * then always reported pinned before a later message reports it unpinned. */
static PyObject *tpb_send_marshal(PyObject *mod, PyObject *args) {
    (void)mod;
    int type;
    unsigned long long seq;
    PyObject *body;
    long long tag = -1;
    if (!PyArg_ParseTuple(args, "iKO!|L", &type, &seq, &PyDict_Type, &body, &tag)) {
        return NULL;
    }
    lock_send();
    PyObject *result = NULL;
    PyObject *bytes = NULL;
    if (tag >= 0) {
        PyObject *pins = pin_alive((uint64_t)tag);
        if (!pins || PyDict_SetItemString(body, "pins", pins) != 0) {
            Py_XDECREF(pins);
            goto done;
        }
        Py_DECREF(pins);
    }
    if (g_unpins && PyList_GET_SIZE(g_unpins) > 0) {
        PyObject *fresh = PyList_New(0);
        if (!fresh) {
            goto done;
        }
        PyObject *unpins = g_unpins;
        g_unpins = fresh;
        int rc = PyDict_SetItemString(body, "unpins", unpins);
        if (rc != 0) {
            /* keep them for the next message */
            PyObject *both = PySequence_Concat(unpins, g_unpins);
            Py_DECREF(g_unpins);
            g_unpins = both ? both : unpins;
            if (both) {
                Py_DECREF(unpins);
            }
            goto done;
        }
        Py_DECREF(unpins);
    }
    bytes = PyMarshal_WriteObjectToString(body, 2);
    if (!bytes) {
        /* Not sent: the ranges go with the next message. */
        PyObject *unpins = PyDict_GetItemString(body, "unpins");
        if (unpins && PyList_Check(unpins)) {
            Py_ssize_t n = PyList_GET_SIZE(unpins);
            for (Py_ssize_t i = 0; i < n; i++) {
                PyList_Append(g_unpins, PyList_GET_ITEM(unpins, i));
            }
            PyDict_DelItemString(body, "unpins");
        }
        goto done;
    }
    result = send_body(type, seq, PyBytes_AS_STRING(bytes), (uint64_t)PyBytes_GET_SIZE(bytes));
done:
    Py_XDECREF(bytes);
    pthread_mutex_unlock(&g_send_lock);
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
    lock_send();
    PyObject *result = send_body(type, seq, body.buf, (uint64_t)body.len);
    pthread_mutex_unlock(&g_send_lock);
    PyBuffer_Release(&body);
    return result;
}

static PyObject *tpb_heap_offset(PyObject *mod, PyObject *noargs) {
    (void)mod;
    (void)noargs;
    return PyLong_FromUnsignedLongLong(shm_load_u64(g_region->control + TPB_OFF_HEAP));
}

static PyMethodDef tpb_methods[] = {
    {"recv", tpb_recv, METH_NOARGS, "recv() -> (type, seq, body: bytes): wait for the launcher's next message."},
    {"send", tpb_send, METH_VARARGS, "send(type, seq, body): send a message to the launcher (any thread)."},
    {"view", tpb_view, METH_VARARGS,
     "view(offset, nbytes[, mode, tag]) -> ShmView: zero-copy bytes of the region (mode 0 write, 1 input of "
     "EXECUTE tag, 2 launcher memory reported when released)."},
    {"alloc", tpb_alloc, METH_VARARGS, "alloc(nbytes) -> offset: a block of the stub's heap (grows the region)."},
    {"hold", tpb_hold, METH_VARARGS, "hold(offset) -> block | -1: one more reference to the stub block there."},
    {"release", tpb_release, METH_VARARGS, "release(offset): give back a reference to a stub block."},
    {"heap_stats", tpb_heap_stats, METH_NOARGS, "heap_stats() -> (blocks, owned, free) of the stub's heap."},
    {"locate", tpb_locate, METH_O, "locate(obj) -> (offset, nbytes) | None: is obj already in the heap?"},
    {"send_marshal", tpb_send_marshal, METH_VARARGS,
     "send_marshal(type, seq, body, tag=-1): add pins/unpins to body, marshal it and send it (any thread)."},
    {"has_unpins", tpb_has_unpins, METH_NOARGS, "has_unpins() -> whether launcher memory was released since the last "
     "marshal message (a RELEASE is then due)."},
    {"cancelled", tpb_cancelled, METH_VARARGS, "cancelled(slot) -> whether the launcher cancelled that request."},
    {"log_settings", tpb_log_settings, METH_NOARGS, "log_settings() -> the launcher's log level bits."},
    {"heap_offset", tpb_heap_offset, METH_NOARGS, "heap_offset() -> offset of the heap."},
    {"to_dlpack", tpb_to_dlpack, METH_VARARGS, "to_dlpack(obj, code, bits, shape) -> a DLPack capsule of obj's bytes."},
    {"from_dlpack", tpb_from_dlpack, METH_O, "from_dlpack(capsule) -> (code, bits, shape, buffer), zero-copy."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef tpb_module = {
    PyModuleDef_HEAD_INIT, "_tpb", "tpb stub internals: messages and shared memory.", -1, tpb_methods,
    NULL, NULL, NULL, NULL,
};

PyObject *PyInit__tpb(void) {
    if (PyType_Ready(&ShmViewType) < 0 || tpb_dlpack_ready() < 0) {
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

int tpb_module_setup(shm_region *region, message_queue *queue, char *err, size_t errlen) {
    g_region = region;
    g_queue = queue;
    uint64_t start = shm_load_u64(region->control + TPB_OFF_STUB_HEAP);
    uint64_t end = shm_load_u64(region->control + TPB_OFF_STUB_HEAP_END);
    return stub_heap_init(region, start, end, err, errlen);
}
