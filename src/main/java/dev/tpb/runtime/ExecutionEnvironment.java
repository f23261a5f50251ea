package dev.tpb.runtime;

import dev.tpb.TpbException;
import dev.tpb.config.ExecutionEnvPaths;
import dev.tpb.env.EnvCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Resolves a model's EXECUTION_ENV_PATH as Triton does: the {@code $$TRITON_MODEL_DIRECTORY} prefix becomes the
 * model directory, the path must exist, a directory is used in place and an archive is extracted (once, through
 * the extraction cache). The environment must have bin/activate.
 */
final class ExecutionEnvironment {

    private ExecutionEnvironment() {
    }

    /** The environment, held until the lease is closed (an archive's extraction stays while models use it). */
    static Optional<EnvCache.Lease> resolve(String value, Path modelDir, EnvCache cache) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.strip();
        Path path = ExecutionEnvPaths.resolve(v, modelDir);
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException e) {
            String hint = path.isAbsolute() ? "" : " (a relative path is resolved against tpb's working directory, "
                    + "as Triton does; write " + ExecutionEnvPaths.MODEL_DIR_TOKEN + "/" + v + " for a path inside the model directory)";
            throw new TpbException("Failed to get the canonical path for " + path + "." + hint);
        }
        EnvCache.Lease lease = cache.acquire(real);
        Path env = lease.path();
        if (!Files.exists(env.resolve("bin/activate"))) {
            lease.close();
            throw new TpbException("Path " + env.resolve("bin/activate") + " does not exist. The Python environment "
                    + "should contain an 'activate' script.");
        }
        return Optional.of(lease);
    }
}
