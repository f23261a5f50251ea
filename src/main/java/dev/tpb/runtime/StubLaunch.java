package dev.tpb.runtime;

import java.nio.file.Path;

/**
 * Everything needed to start one stub process.
 *
 * @param stub            the stub executable
 * @param modelFile       {@code <model_dir>/<version>/model.py} (argv[1])
 * @param pythonLib       directory holding triton_python_backend_utils.py (argv[6])
 * @param stubName        instance name, or the model name for the auto-complete stub (argv[8])
 * @param runtimeModelDir "DEFAULT", or a Python-based backend's directory (argv[9])
 * @param envDir          the execution environment directory, or null
 * @param logSettings     which pb_utils.Logger levels the stub shows ({@link LogSettings#bits()})
 */
public record StubLaunch(Path stub, Path modelFile, Path pythonLib, String modelName, String stubName,
                         String runtimeModelDir, Path envDir, ActivationMode activation, Allocator allocator,
                         long shmDefaultBytes, long shmGrowthBytes, int logSettings) {
}
