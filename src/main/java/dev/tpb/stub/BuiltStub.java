package dev.tpb.stub;

import dev.tpb.python.PythonInstall;
import java.nio.file.Path;

/**
 * A stub built for one interpreter and installed in a backend directory.
 *
 * @param backendDir {@code <backends>/python_3_X}, holding the stub and its Python files
 * @param cached     true when the build cache already had it (nothing was compiled)
 * @param millis     how long building (or fetching from the cache) and checking took
 */
public record BuiltStub(PythonInstall python, Path backendDir, Path stub, boolean cached, long millis,
                        String compiler, String needed) {
}
