package dev.tpb.testing;

import dev.tpb.Reporter;
import dev.tpb.python.PythonInstall;
import dev.tpb.stub.BuiltStub;
import dev.tpb.stub.CCompiler;
import dev.tpb.stub.StubBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Real stubs built once per test JVM, one per Python minor version, in a temporary backends directory. */
public final class TestStubs {
    private static final Map<String, BuiltStub> BUILT = new HashMap<>();
    private static Path root;

    private TestStubs() {
    }

    public static synchronized Path backendsDir() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("tpb-test-stubs-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> TempDirs.deleteTree(root)));
        }
        return root.resolve("backends");
    }

    /** tpb's cache for tests (stubs built on demand, extracted environments): shared by the whole run. */
    public static synchronized Path cacheDir() {
        backendsDir();
        return root.resolve("cache");
    }

    public static synchronized BuiltStub forPython(PythonInstall python) {
        return BUILT.computeIfAbsent(python.version().minorString(), v -> {
            Path backends = backendsDir();
            StubBuilder builder = new StubBuilder(root.resolve("cache").resolve("stubs"), CCompiler.find(null, System.getenv()),
                    Reporter.SILENT);
            return builder.build(python, backends.resolve(StubBuilder.backendName(python)), false);
        });
    }

    public static BuiltStub forVersion(String version) {
        return forPython(Pythons.get(version));
    }
}
