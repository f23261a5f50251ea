package dev.tpb.python;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One interpreter as it describes itself (asked once). For a venv interpreter, {@code basePrefix} is the
 * installation whose headers, libpython and standard library it uses.
 *
 * @param executable   the path it was found at (what users see and pass)
 * @param source       how it was found: "explicit", "$CONDA_PREFIX", "conda", "pyenv", "PATH", "/usr/bin"
 * @param includeDir   directory with Python.h (may not exist: no -dev package)
 * @param libDir       sysconfig LIBDIR
 * @param libpython    the shared libpython file, if the installation has one
 * @param soabi        e.g. cpython-310-x86_64-linux-gnu
 */
public record PythonInstall(Path executable, String source, PythonVersion version, Path prefix, Path basePrefix,
                            Path includeDir, Path libDir, Optional<Path> libpython, String soabi) {

    public boolean hasHeaders() {
        return Files.isRegularFile(includeDir.resolve("Python.h"));
    }

    public boolean hasSharedLibpython() {
        return libpython.isPresent();
    }

    public boolean isVenv() {
        return !prefix.equals(basePrefix);
    }

    /** The soname a program linked against this libpython records as NEEDED, e.g. libpython3.10.so.1.0. */
    public Optional<String> libpythonSoname() {
        return libpython.map(p -> p.getFileName().toString());
    }
}
