package dev.tpb.runtime;

import java.nio.file.Path;

/**
 * How models are run (the shared options of tpb run and tpb infer).
 *
 * @param backendsDir   where {@code <backend>/triton_python_backend_stub} is looked for
 * @param cacheDir      tpb's cache: stubs built on demand, extracted environments
 * @param maxQueueSize  requests waiting per model before new ones are refused (503)
 * @param controlMode   whether models may be loaded and unloaded after the start (--model-control-mode)
 * @param autoComplete  whether auto_complete_config runs (tritonserver's --disable-auto-complete-config turns it off)
 * @param loadCalledModels whether a BLS call to a model of the repository that is not loaded loads it first (tpb infer,
 *                      which loads only the model it calls; tpb run serves what it loaded, as Triton does)
 */
public record RuntimeOptions(Path backendsDir, Path cacheDir, Allocator allocator, ActivationMode activation,
                             long shmDefaultBytes, long shmGrowthBytes, int maxQueueSize, ModelControlMode controlMode,
                             boolean autoComplete, boolean loadCalledModels) {
    public static final long DEFAULT_SHM_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_QUEUE = 1024;

    public RuntimeOptions(Path backendsDir, Path cacheDir, Allocator allocator, ActivationMode activation,
                          long shmDefaultBytes, long shmGrowthBytes, int maxQueueSize) {
        this(backendsDir, cacheDir, allocator, activation, shmDefaultBytes, shmGrowthBytes, maxQueueSize,
                ModelControlMode.explicit, true, false);
    }

    public RuntimeOptions withControlMode(ModelControlMode mode) {
        return new RuntimeOptions(backendsDir, cacheDir, allocator, activation, shmDefaultBytes, shmGrowthBytes,
                maxQueueSize, mode, autoComplete, loadCalledModels);
    }

    public RuntimeOptions withAutoComplete(boolean on) {
        return new RuntimeOptions(backendsDir, cacheDir, allocator, activation, shmDefaultBytes, shmGrowthBytes,
                maxQueueSize, controlMode, on, loadCalledModels);
    }

    public RuntimeOptions withLoadCalledModels(boolean on) {
        return new RuntimeOptions(backendsDir, cacheDir, allocator, activation, shmDefaultBytes, shmGrowthBytes,
                maxQueueSize, controlMode, autoComplete, on);
    }
}
