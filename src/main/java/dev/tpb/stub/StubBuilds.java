package dev.tpb.stub;

import dev.tpb.TpbException;
import dev.tpb.python.PythonInstall;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Builds stubs for several interpreters at once, each into {@code <backends>/python_3_X}. */
public final class StubBuilds {
    private StubBuilds() {
    }

    public static List<BuiltStub> buildAll(StubBuilder builder, List<PythonInstall> pythons, Path backendsDir,
                                           int jobs, boolean force) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(jobs, pythons.size())));
        try {
            List<Future<BuiltStub>> futures = new ArrayList<>();
            for (PythonInstall python : pythons) {
                futures.add(pool.submit(() -> builder.build(python,
                        backendsDir.resolve(StubBuilder.backendName(python)), force)));
            }
            List<BuiltStub> built = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (Future<BuiltStub> f : futures) {
                try {
                    built.add(f.get());
                } catch (ExecutionException e) {
                    errors.add(e.getCause().getMessage());
                }
            }
            if (!errors.isEmpty()) {
                throw new TpbException(String.join("\n", errors));
            }
            return built;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException("interrupted while building stubs");
        } finally {
            pool.shutdownNow();
        }
    }
}
