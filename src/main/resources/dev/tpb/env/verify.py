# Run by tpb pack-env --verify inside the extracted environment, in a clean environment (env -i).
# argv: modules to import; none = every top-level package and module in the environment's site-packages.
import json
import os
import subprocess
import sys

modules = sys.argv[1:]
site_dirs = [p for p in sys.path
             if os.path.basename(p) == "site-packages" and os.path.abspath(p).startswith(os.path.abspath(sys.prefix))]
if not modules:
    found = set()
    for site in site_dirs:
        for name in sorted(os.listdir(site)):
            path = os.path.join(site, name)
            if name.startswith(".") or name == "__pycache__" or name.endswith((".dist-info", ".egg-info", ".pth")):
                continue
            if os.path.isdir(path):
                if os.path.isfile(os.path.join(path, "__init__.py")) and name.isidentifier():
                    found.add(name)
            elif name.endswith(".py") and name[:-3].isidentifier():
                found.add(name[:-3])
            elif name.endswith(".so") and name.split(".")[0].isidentifier():
                found.add(name.split(".")[0])
    modules = sorted(found)

failures = []
imported = []
for module in modules:
    try:
        __import__(module)
        imported.append(module)
    except BaseException as e:  # SystemExit and friends are failures too
        # Some packages cannot be imported after certain others (pkg_resources before setuptools trips
        # setuptools' distutils check); what counts is whether the module imports on its own.
        alone = subprocess.run([sys.executable, "-c", "import " + module], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        if alone.returncode == 0:
            imported.append(module)
            continue
        failures.append("%s: %s: %s" % (module, type(e).__name__, str(e).splitlines()[0] if str(e) else ""))

print("\n@@tpb-verify@@" + json.dumps({
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "executable": sys.executable,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "user_site_in_path": any(p.startswith(os.path.expanduser("~") + os.sep + ".local") for p in sys.path),
    "imported": imported,
    "failures": failures,
}))
