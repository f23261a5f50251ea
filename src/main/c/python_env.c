#define PY_SSIZE_T_CLEAN
#include "python_env.h"

#include <Python.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpb_module.h"

#ifndef TPB_PYTHON_EXECUTABLE
#error "TPB_PYTHON_EXECUTABLE must name the interpreter the stub is built against"
#endif

static int is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Reads `key = value` from a venv's pyvenv.cfg. */
static int pyvenv_value(const char *cfg, const char *key, char *out, size_t outlen) {
    FILE *f = fopen(cfg, "r");
    if (!f) {
        return -1;
    }
    char line[4096];
    int found = -1;
    size_t keylen = strlen(key);
    while (fgets(line, sizeof(line), f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (strncmp(p, key, keylen) != 0) continue;
        p += keylen;
        while (*p == ' ' || *p == '\t') p++;
        if (*p != '=') continue;
        p++;
        while (*p == ' ' || *p == '\t') p++;
        size_t n = strcspn(p, "\r\n");
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        snprintf(out, outlen, "%.*s", (int)n, p);
        found = 0;
        break;
    }
    fclose(f);
    return found;
}

/* The lib/pythonX.Y directories of a prefix, as "3.11 3.12" (for error messages). */
static void prefix_versions(const char *env_dir, char *out, size_t outlen) {
    char lib[4096];
    snprintf(lib, sizeof(lib), "%s/lib", env_dir);
    out[0] = '\0';
    DIR *d = opendir(lib);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int major, minor;
        char tail;
        if (sscanf(e->d_name, "python%d.%d%c", &major, &minor, &tail) == 2) {
            char os_py[4600];
            snprintf(os_py, sizeof(os_py), "%s/%s/os.py", lib, e->d_name);
            if (is_file(os_py)) {
                size_t used = strlen(out);
                snprintf(out + used, outlen - used, "%s%d.%d", used ? " " : "", major, minor);
            }
        }
    }
    closedir(d);
}

static int set_path(PyConfig *config, wchar_t **field, const char *value, char *err, size_t errlen) {
    PyStatus st = PyConfig_SetBytesString(config, field, value);
    if (PyStatus_Exception(st)) {
        snprintf(err, errlen, "cannot configure Python with %s: %s", value, st.err_msg ? st.err_msg : "error");
        return -1;
    }
    return 0;
}

int python_env_start(const char *env_dir, char *err, size_t errlen) {
    char ours[16];
    snprintf(ours, sizeof(ours), "%d.%d", PY_MAJOR_VERSION, PY_MINOR_VERSION);
    char program[4200];
    const char *home = NULL;

    if (env_dir && *env_dir) {
        if (!is_dir(env_dir)) {
            snprintf(err, errlen, "the execution environment %s does not exist", env_dir);
            return -1;
        }
        char cfg[4200];
        snprintf(cfg, sizeof(cfg), "%s/pyvenv.cfg", env_dir);
        snprintf(program, sizeof(program), "%s/bin/python3", env_dir);
        if (is_file(cfg)) {
            /* A venv: CPython reads pyvenv.cfg next to the program and uses its base for the stdlib. */
            char version[64] = "", base[4096] = "";
            if (pyvenv_value(cfg, "version_info", version, sizeof(version)) != 0) {
                pyvenv_value(cfg, "version", version, sizeof(version));
            }
            int major = 0, minor = 0;
            if (sscanf(version, "%d.%d", &major, &minor) == 2 && (major != PY_MAJOR_VERSION || minor != PY_MINOR_VERSION)) {
                snprintf(err, errlen,
                         "the execution environment %s has Python %d.%d but this stub is built for Python %s; "
                         "build a stub for it with 'tpb build-stub --python %d.%d'",
                         env_dir, major, minor, ours, major, minor);
                return -1;
            }
            pyvenv_value(cfg, "home", base, sizeof(base));
            char base_python[4200];
            snprintf(base_python, sizeof(base_python), "%s/python%s", base, ours);
            if (!*base || (!is_file(base_python) && !is_dir(base))) {
                snprintf(err, errlen,
                         "the execution environment %s is a venv whose base interpreter (%s) does not exist here; "
                         "make it standalone with 'tpb pack-env --prefix %s'",
                         env_dir, *base ? base : "home is missing from pyvenv.cfg", env_dir);
                return -1;
            }
        } else {
            char stdlib[4200];
            snprintf(stdlib, sizeof(stdlib), "%s/lib/python%s/os.py", env_dir, ours);
            if (!is_file(stdlib)) {
                char found[256];
                prefix_versions(env_dir, found, sizeof(found));
                if (*found) {
                    snprintf(err, errlen,
                             "the execution environment %s has Python %s but this stub is built for Python %s; "
                             "build a stub for it with 'tpb build-stub --python %s'",
                             env_dir, found, ours, found);
                } else {
                    snprintf(err, errlen,
                             "the execution environment %s has no Python standard library (lib/python%s/os.py "
                             "is missing)", env_dir, ours);
                }
                return -1;
            }
            home = env_dir;
        }
    } else {
        snprintf(program, sizeof(program), "%s", TPB_PYTHON_EXECUTABLE);
    }

    if (PyImport_AppendInittab("_tpb", PyInit__tpb) != 0) {
        snprintf(err, errlen, "cannot register the _tpb module");
        return -1;
    }
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.user_site_directory = 0;      /* the user's ~/.local must never shadow the environment */
    config.install_signal_handlers = 0; /* the launcher drives shutdown, as in Triton */
    config.parse_argv = 0;
    if (set_path(&config, &config.program_name, program, err, errlen) != 0 ||
        (home && set_path(&config, &config.home, home, err, errlen) != 0)) {
        PyConfig_Clear(&config);
        return -1;
    }
    PyStatus st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st)) {
        snprintf(err, errlen, "Python failed to start (program %s%s%s): %s%s%s", program, home ? ", home " : "",
                 home ? home : "", st.func ? st.func : "", st.func ? ": " : "", st.err_msg ? st.err_msg : "error");
        return -1;
    }
    return 0;
}
