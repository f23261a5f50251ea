package dev.tpb.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tpb.python.PythonInstall;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Python 3.11 venv with numpy installed from the machine's local package index (numpy wheels exist for
 * CPython 3.11 only), made once per test JVM.
 */
public final class NumpyVenv {
    private static Path venv;

    private NumpyVenv() {
    }

    public static synchronized Path get() {
        if (venv == null) {
            PythonInstall python = Pythons.get("3.11");
            Path root;
            try {
                root = Files.createTempDirectory("tpb-numpy-venv-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> TempDirs.deleteTree(root)));
            Path dir = root.resolve("venv");
            Proc made = Proc.run(python.executable().toString(), "-m", "venv", dir.toString());
            assertEquals(0, made.exitCode(), made::toString);
            String index = localIndex(python);
            assumeTrue(index != null, "no local package index configured for pip");
            Proc pip = Proc.run(null, Map.of("PYTHONNOUSERSITE", "True"), List.of(dir.resolve("bin/python").toString(),
                    "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-cache-dir", "--index-url", index, "numpy"), null);
            assertEquals(0, pip.exitCode(), pip::toString);
            venv = dir;
        }
        return venv;
    }

    /** The first of pip's configured extra index URLs (the machine's local package index). */
    private static String localIndex(PythonInstall python) {
        Proc p = Proc.run(python.executable().toString(), "-m", "pip", "config", "get", "global.extra-index-url");
        if (p.exitCode() != 0 || p.out().isBlank()) {
            return null;
        }
        return p.out().strip().split("\\s+")[0];
    }
}
