# Prints what tpb needs to know about this interpreter as one JSON object. Runs on any CPython >= 2.7 so
# that old interpreters are reported as too old rather than failing to answer.
import json
import os
import sys
import sysconfig

var = sysconfig.get_config_var
paths = sysconfig.get_paths()
base = getattr(sys, "base_prefix", sys.prefix)
print(json.dumps({
    "version": list(sys.version_info[:3]),
    "implementation": getattr(getattr(sys, "implementation", None), "name", "cpython"),
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": base,
    "include": paths.get("include") or "",
    "libdir": var("LIBDIR") or "",
    "ldlibrary": var("LDLIBRARY") or "",
    "instsoname": var("INSTSONAME") or "",
    "ldversion": var("LDVERSION") or var("VERSION") or "",
    "multiarch": var("MULTIARCH") or "",
    "soabi": var("SOABI") or "",
}))
