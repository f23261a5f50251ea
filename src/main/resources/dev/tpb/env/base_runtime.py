# Where a base interpreter keeps what a standalone copy of it needs (printed as one JSON object).
import json
import os
import sys
import sysconfig

var = sysconfig.get_config_var
print(json.dumps({
    "version": list(sys.version_info[:3]),
    "executable": os.path.realpath(sys.executable),
    "prefix": sys.base_prefix,
    "exec_prefix": getattr(sys, "base_exec_prefix", sys.exec_prefix),
    "stdlib": sysconfig.get_path("stdlib"),
    "platstdlib": sysconfig.get_path("platstdlib"),
    "dynload": [p for p in sys.path if os.path.basename(p) == "lib-dynload"],
    "libdir": var("LIBDIR") or "",
    "instsoname": var("INSTSONAME") or "",
    "ldlibrary": var("LDLIBRARY") or "",
    "shared": bool(var("Py_ENABLE_SHARED")),
}))
