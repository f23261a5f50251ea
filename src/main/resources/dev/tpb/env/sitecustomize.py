# tpb pack-env: keep user site-packages out of this environment.
#
# Nothing may set PYTHONNOUSERSITE where this environment runs (Triton 25.08 and newer never source
# bin/activate), and Python puts ~/.local/lib/pythonX.Y/site-packages ahead of the environment's own
# site-packages, so a package there would shadow the environment's copy. This removes the user directory
# (and paths its .pth files added) from sys.path and stops usercustomize from running. An environment's own
# sitecustomize.py in its site-packages still runs, after this.
import os as _tpb_os
import site as _tpb_site
import sys as _tpb_sys


def _tpb_drop_user_site():
    _tpb_site.ENABLE_USER_SITE = False
    prefix = _tpb_os.path.abspath(_tpb_sys.prefix) + _tpb_os.sep
    user = [_tpb_os.path.abspath(d) for d in (getattr(_tpb_site, "USER_SITE", None),
                                               getattr(_tpb_site, "USER_BASE", None)) if d]
    user = [d for d in user if not (d + _tpb_os.sep).startswith(prefix)]

    def is_user(entry):
        path = _tpb_os.path.abspath(entry or ".")
        return any(path == d or path.startswith(d + _tpb_os.sep) for d in user)

    _tpb_sys.path[:] = [p for p in _tpb_sys.path if not is_user(p)]


def _tpb_run_env_sitecustomize():
    here = _tpb_os.path.dirname(_tpb_os.path.abspath(__file__))
    prefix = _tpb_os.path.abspath(_tpb_sys.prefix) + _tpb_os.sep
    for entry in list(_tpb_sys.path):
        directory = _tpb_os.path.abspath(entry or ".")
        if directory == here or not (directory + _tpb_os.sep).startswith(prefix):
            continue
        candidate = _tpb_os.path.join(directory, "sitecustomize.py")
        if _tpb_os.path.isfile(candidate):
            with open(candidate, "rb") as source:
                code = compile(source.read(), candidate, "exec")
            exec(code, {"__name__": "sitecustomize", "__file__": candidate, "__builtins__": __builtins__})
            return


_tpb_drop_user_site()
_tpb_run_env_sitecustomize()
del _tpb_drop_user_site, _tpb_run_env_sitecustomize, _tpb_os, _tpb_site, _tpb_sys
