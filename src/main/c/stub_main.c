/* tpb's Python backend stub: one process per model instance, embedding one CPython. It takes Triton's nine
 * arguments, talks to the launcher over shared memory (docs/protocol.md) and hands control to the Python
 * driver (_tpb_driver.py, next to triton_python_backend_utils.py in python_lib). */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "message_queue.h"
#include "python_env.h"
#include "shm_region.h"
#include "tpb_layout.h"
#include "tpb_module.h"

#ifndef TPB_VERSION
#define TPB_VERSION "dev"
#endif
#ifndef TPB_BUILD_INFO
#define TPB_BUILD_INFO "unknown"
#endif

static shm_region g_region;
static message_queue g_queue;
static pid_t g_parent;

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: triton_python_backend_stub model_path shm_region_name shm_default_byte_size "
            "shm_growth_byte_size parent_pid python_lib ipc_control_handle stub_name runtime_modeldir\n"
            "tpb stub for Python %s (protocol %u); started by tpb's launcher. --version prints build details.\n",
            PY_VERSION, TPB_PROTOCOL_VERSION);
}

static void print_version(void) {
    printf("stub: tpb %s\n", TPB_VERSION);
    printf("python: %s\n", PY_VERSION);
    printf("protocol: %u\n", TPB_PROTOCOL_VERSION);
    printf("interpreter: %s\n", TPB_PYTHON_EXECUTABLE);
    printf("build: %s\n", TPB_BUILD_INFO);
}

static void ignore_signal(int sig) {
    (void)sig;
}

/* In a child the model forks (multiprocessing, data loaders): it must not keep the launcher's socket open, or
 * the launcher could not tell that this stub died. */
static void forget_launcher_in_child(void) {
    close(g_queue.doorbell);
    close(g_region.fd);
}

/* Writes straight to stderr and leaves without running Python's exit machinery (other threads hold it). */
static void die(const char *what) {
    fprintf(stderr, "%s\n", what);
    fflush(stderr);
    _exit(1);
}

/* Every 300 ms: bump the heartbeat and make sure the launcher is still our parent. */
static void *heartbeat(void *arg) {
    (void)arg;
    struct timespec period = {0, 300 * 1000 * 1000};
    for (;;) {
        nanosleep(&period, NULL);
        __atomic_add_fetch((uint64_t *)(g_region.control + TPB_OFF_HEARTBEAT), 1, __ATOMIC_RELAXED);
        if (getppid() != g_parent) {
            die("Non-graceful termination detected.");
        }
    }
    return NULL;
}

/* Sends HELLO with an error (Python may not be running, so the JSON is written by hand). */
static void hello_error(const char *message) {
    char body[8192];
    size_t n = (size_t)snprintf(body, sizeof(body), "{\"protocol\":%u,\"python\":\"%s\",\"pid\":%d,\"error\":\"",
                                TPB_PROTOCOL_VERSION, PY_VERSION, (int)getpid());
    for (const char *p = message; *p && n < sizeof(body) - 8; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            body[n++] = '\\';
            body[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(body + n, sizeof(body) - n, "\\u%04x", c);
        } else {
            body[n++] = (char)c;
        }
    }
    n += (size_t)snprintf(body + n, sizeof(body) - n, "\"}");
    message_queue_send(&g_queue, TPB_MSG_HELLO, 0, 0, body, n);
}

/* With an environment, the launcher put <env>/lib first on LD_LIBRARY_PATH for us (twice, as Triton >= 25.08
 * does); like Triton's stub, drop the first copy. The loader has already read the variable. */
static void drop_env_library_path(void) {
    const char *value = getenv("LD_LIBRARY_PATH");
    if (!value) {
        return;
    }
    const char *colon = strchr(value, ':');
    if (!colon || !colon[1]) {
        unsetenv("LD_LIBRARY_PATH");
    } else {
        char *rest = strdup(colon + 1);
        setenv("LD_LIBRARY_PATH", rest, 1);
        free(rest);
    }
}

/* Imports _tpb_driver.py from python_lib and runs its main(); returns the exit status it asks for. */
static int run_driver(char **argv) {
    static const char *bootstrap =
        "def _tpb_bootstrap(python_lib, args):\n"
        "    import importlib.util, os, sys\n"
        "    path = os.path.join(python_lib, '_tpb_driver.py')\n"
        "    spec = importlib.util.spec_from_file_location('_tpb_driver', path)\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    sys.modules['_tpb_driver'] = module\n"
        "    spec.loader.exec_module(module)\n"
        "    return module.main(args)\n";
    PyObject *globals = PyDict_New();
    if (!globals) {
        return 1;
    }
    PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
    PyObject *r = PyRun_String(bootstrap, Py_file_input, globals, globals);
    if (!r) {
        PyErr_Print();
        Py_DECREF(globals);
        return 1;
    }
    Py_DECREF(r);
    PyObject *fn = PyDict_GetItemString(globals, "_tpb_bootstrap");
    PyObject *args = PyList_New(0);
    for (int i = 1; i <= 9; i++) {
        PyObject *s = PyUnicode_DecodeFSDefault(argv[i]);
        PyList_Append(args, s);
        Py_DECREF(s);
    }
    PyObject *python_lib = PyUnicode_DecodeFSDefault(argv[6]);
    PyObject *result = PyObject_CallFunctionObjArgs(fn, python_lib, args, NULL);
    Py_DECREF(python_lib);
    Py_DECREF(args);
    Py_DECREF(globals);
    int status = 1;
    if (!result) {
        if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
            status = 0;
        }
        PyErr_Print();
    } else {
        status = PyLong_Check(result) ? (int)PyLong_AsLong(result) : 0;
        Py_DECREF(result);
    }
    return status;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        print_version();
        return 0;
    }
    if (argc < 10) {
        /* Also Triton's exec-permission probe: no arguments must mean exit status 1, quickly. */
        fprintf(stderr, "Expected 9 arguments, found %d arguments.\n", argc - 1);
        print_usage(stderr);
        return 1;
    }
    const char *region_name = argv[2];
    g_parent = (pid_t)strtol(argv[5], NULL, 10);
    uint64_t control_offset = strtoull(argv[7], NULL, 10);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = ignore_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Die with the launcher; it may already be gone by the time this runs. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != g_parent) {
        die("Non-graceful termination detected.");
    }

    char err[4096];
    if (shm_region_open(&g_region, region_name, control_offset, err, sizeof(err)) != 0) {
        die(err);
    }
    uint32_t magic = shm_load_u32(g_region.control + TPB_OFF_MAGIC);
    uint32_t protocol = shm_load_u32(g_region.control + TPB_OFF_PROTOCOL);
    if (magic != TPB_MAGIC) {
        snprintf(err, sizeof(err), "shared memory region '%s' is not a tpb region", region_name);
        die(err);
    }
    if (protocol != TPB_PROTOCOL_VERSION) {
        snprintf(err, sizeof(err),
                 "protocol mismatch: the launcher speaks tpb protocol %u, this stub speaks %u; rebuild the stub "
                 "with 'tpb build-stub'", protocol, TPB_PROTOCOL_VERSION);
        die(err);
    }
    shm_store_u32(g_region.control + TPB_OFF_STUB_PID, (uint32_t)getpid());
    if (message_queue_open(&g_queue, &g_region, err, sizeof(err)) != 0) {
        die(err);
    }
    pthread_atfork(NULL, NULL, forget_launcher_in_child);
    pthread_t beat;
    pthread_create(&beat, NULL, heartbeat, NULL);
    pthread_detach(beat);

    uint32_t flags = shm_load_u32(g_region.control + TPB_OFF_FLAGS);
    char env_dir[TPB_ENV_DIR_MAX];
    snprintf(env_dir, sizeof(env_dir), "%s", (const char *)(g_region.control + TPB_OFF_ENV_DIR));
    if (flags & TPB_FLAG_USES_ENV) {
        drop_env_library_path();
    }
    if (tpb_module_setup(&g_region, &g_queue, err, sizeof(err)) != 0) {
        hello_error(err);
        die(err);
    }
    if (python_env_start(env_dir, err, sizeof(err)) != 0) {
        hello_error(err);
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int status = run_driver(argv);
    fflush(stdout);
    fflush(stderr);
    /* Model threads may still run; the launcher has what it needs, so leave without waiting for them. */
    _exit(status);
}
