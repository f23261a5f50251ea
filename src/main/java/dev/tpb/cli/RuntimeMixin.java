package dev.tpb.cli;

import dev.tpb.runtime.ActivationMode;
import dev.tpb.runtime.Allocator;
import dev.tpb.runtime.RuntimeOptions;
import dev.tpb.util.CacheDirs;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of every command that runs models (tpb infer, tpb run). */
final class RuntimeMixin {
    @Option(names = "--backends-dir", paramLabel = "DIR",
            description = "Where <backend>/triton_python_backend_stub is looked for (default: ./backends). Without "
                    + "one, tpb builds a stub for the model's Python into its cache.")
    Path backendsDir = Path.of("backends");

    @Option(names = "--malloc", paramLabel = "ALLOCATOR", completionCandidates = MallocCandidates.class,
            description = "Allocator preloaded into the stubs: system, tcmalloc, jemalloc or a library path "
                    + "(default: system).")
    String malloc = "system";

    @Option(names = "--env-activation", paramLabel = "MODE",
            description = "How stubs enter EXECUTION_ENV_PATH: direct (as Triton >= 25.08) or source (bash sources "
                    + "bin/activate, as older Triton). Default: direct.")
    ActivationMode activation = ActivationMode.direct;

    @Option(names = "--shm-default-byte-size", paramLabel = "BYTES",
            description = "Initial shared memory per stub (default: 1048576, as Triton).")
    long shmDefault = RuntimeOptions.DEFAULT_SHM_BYTES;

    @Option(names = "--shm-growth-byte-size", paramLabel = "BYTES",
            description = "Growth step of a stub's shared memory (default: 1048576, as Triton).")
    long shmGrowth = RuntimeOptions.DEFAULT_SHM_BYTES;

    RuntimeOptions options() {
        if (shmDefault < RuntimeOptions.DEFAULT_SHM_BYTES) {
            throw new dev.tpb.UsageException("--shm-default-byte-size must be at least 1048576 (1 MiB), got " + shmDefault);
        }
        if (shmGrowth <= 0) {
            throw new dev.tpb.UsageException("--shm-growth-byte-size must be positive, got " + shmGrowth);
        }
        return new RuntimeOptions(backendsDir, CacheDirs.root(), Allocator.resolve(malloc), activation, shmDefault,
                shmGrowth, RuntimeOptions.DEFAULT_MAX_QUEUE);
    }

    static final class MallocCandidates extends java.util.ArrayList<String> {
        MallocCandidates() {
            super(java.util.List.of("system", "tcmalloc", "jemalloc"));
        }
    }
}
