/* Where the embedded interpreter finds its home: the execution environment (a standalone prefix such as
 * tpb pack-env makes, a conda env, or a venv whose base interpreter exists) or the interpreter the stub was
 * built against. Checks that the environment's Python version is the stub's before starting Python. */
#ifndef TPB_PYTHON_ENV_H
#define TPB_PYTHON_ENV_H

#include <stddef.h>

/* Starts CPython. On failure writes a message into err and returns -1. */
int python_env_start(const char *env_dir, char *err, size_t errlen);

#endif
