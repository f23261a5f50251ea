package dev.tpb.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.config.ExecutionEnvPaths;
import dev.tpb.env.EnvCache;
import dev.tpb.env.EnvInspector;
import dev.tpb.python.PythonVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntSupplier;

/**
 * Loads one version of one model: resolves its environment and stub, runs auto_complete_config in a throw-away
 * stub (as Triton does), completes the configuration, then starts every instance in parallel and initializes it.
 */
final class ModelLoader {
    private final RuntimeOptions options;
    private final StubResolver resolver;
    private final EnvCache envCache;
    private final Reporter reporter;
    private final StubOutput output;
    private final ServerCalls calls;
    private final IntSupplier logSettings;

    ModelLoader(RuntimeOptions options, StubResolver resolver, EnvCache envCache, Reporter reporter, StubOutput output,
                ServerCalls calls, IntSupplier logSettings) {
        this.options = options;
        this.resolver = resolver;
        this.envCache = envCache;
        this.reporter = reporter;
        this.output = output;
        this.calls = calls;
        this.logSettings = logSettings;
    }

    LoadedModel load(Path modelDir, long version, Path versionDir, ObjectNode config) {
        String name = config.path("name").asText();
        Names.checkStubName(name);
        String backend = config.path("backend").asText("");
        if (backend.isEmpty()) {
            String platform = config.path("platform").asText("");
            throw new TpbException("model '" + name + "' is not a Python backend model ("
                    + (platform.isEmpty() ? "no backend, and no model.py in " + versionDir : "platform '" + platform + "'")
                    + "); tpb runs Python backend models only");
        }
        String fileName = config.path("default_model_filename").asText("");
        Path modelFile = versionDir.resolve(fileName.isEmpty() ? "model.py" : fileName);
        if (!Files.isRegularFile(modelFile)) {
            throw new TpbException("Failed to preinitialize Python stub: Python model file not found in '" + modelFile + "'");
        }
        String envParameter = config.path("parameters").path(ExecutionEnvPaths.PARAMETER).path("string_value").asText("");
        Optional<EnvCache.Lease> lease = ExecutionEnvironment.resolve(envParameter, modelDir, envCache);
        try {
            LoadedModel model = load(name, backend, modelDir, version, modelFile, lease.map(EnvCache.Lease::path), config);
            lease.ifPresent(model::holdEnvironment);
            return model;
        } catch (RuntimeException e) {
            lease.ifPresent(EnvCache.Lease::close);
            throw e;
        }
    }

    private LoadedModel load(String name, String backend, Path modelDir, long version, Path modelFile,
                             Optional<Path> env, ObjectNode config) {
        Optional<PythonVersion> envPython = env.map(e -> EnvInspector.inspect(e).python());
        StubResolver.Resolved stub = resolver.resolve(name, backend, modelDir, envPython);
        if (envPython.isPresent() && !envPython.get().sameMinor(stub.python())) {
            throw new TpbException("model '" + name + "': the stub " + stub.stub() + " is built for Python "
                    + stub.python().minorString() + " but the execution environment " + env.get() + " has Python "
                    + envPython.get().minorString() + "; build a matching one with 'tpb build-stub --python "
                    + envPython.get().minorString() + "'");
        }
        Start start = new Start(name, version, modelDir, modelFile, stub, env.orElse(null));
        ObjectNode completed = config;
        if (mentionsAutoComplete(modelFile)) {
            completed = autoComplete(start, config);
        }
        ModelSpec spec = ModelSpec.of(ConfigCompletion.finish(completed, reporter));
        LoadedModel model = new LoadedModel(spec, version, modelDir, options.maxQueueSize());
        for (InstanceGroupSpec group : spec.instanceGroups()) {
            for (int i = 0; i < group.count(); i++) {
                String instance = group.name() + "_" + i;
                Names.checkStubName(instance);
                model.addInstance(new ModelInstance(instance, model, () -> startInstance(start, spec, instance), reporter,
                        calls));
            }
        }
        startAll(model);
        model.markReady();
        return model;
    }

    /** What every stub of this model version is started with. */
    private record Start(String model, long version, Path modelDir, Path modelFile, StubResolver.Resolved stub,
                         Path envDir) {
        StubLaunch launch(String stubName, RuntimeOptions o, int logSettings) {
            return new StubLaunch(stub.stub(), modelFile, stub.pythonLib(), model, stubName, "DEFAULT", envDir,
                    o.activation(), o.allocator(), o.shmDefaultBytes(), o.shmGrowthBytes(), logSettings);
        }
    }

    /** Triton imports model.py in an extra stub just for auto_complete_config; skip it when there is none. */
    private static boolean mentionsAutoComplete(Path modelFile) {
        try {
            return Files.readString(modelFile).contains("auto_complete_config");
        } catch (IOException e) {
            throw new TpbException("cannot read " + modelFile + ": " + e.getMessage(), e);
        }
    }

    private ObjectNode autoComplete(Start start, ObjectNode config) {
        try (StubProcess stub = StubProcess.start(start.launch(start.model(), options, logSettings.getAsInt()), output)) {
            JsonNode result = stub.autoComplete(config);
            if (!result.isObject()) {
                throw new TpbException("Failed to parse auto-complete JSON. (model '" + start.model() + "')");
            }
            return (ObjectNode) result;
        }
    }

    private StubProcess startInstance(Start start, ModelSpec spec, String instance) {
        StubProcess stub = StubProcess.start(start.launch(instance, options, logSettings.getAsInt()), output);
        try {
            ObjectNode args = JsonNodeFactory.instance.objectNode();
            args.put("model_config", spec.json().toString());
            args.put("model_instance_kind", "CPU");
            args.put("model_instance_name", instance);
            args.put("model_instance_device_id", "0");
            args.put("model_repository", start.modelDir().toString());
            args.put("model_version", Long.toString(start.version()));
            args.put("model_name", start.model());
            // initialize() may load models (pb_utils.load_model): those calls are answered while it runs
            stub.initialize(args, spec.decoupled(), e -> {
                if (e instanceof dev.tpb.ipc.StubConnection.Call call) {
                    calls.control(stub.connection(), call);
                } else {
                    StubProcess.discard(e);
                }
            });
        } catch (RuntimeException e) {
            stub.kill();
            throw e;
        }
        Allocator allocator = options.allocator();
        if (allocator.library().isPresent() && !allocator.loadedInto(stub.pid())) {
            reporter.warn(allocator.name() + " (" + allocator.library().get() + ") was preloaded into stub '" + instance
                    + "' but does not appear in /proc/" + stub.pid() + "/maps");
        }
        return stub;
    }

    private void startAll(LoadedModel model) {
        // One thread per instance: they start in parallel, as Triton starts them.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                Math.max(1, model.instances().size()));
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (ModelInstance instance : model.instances()) {
            starts.add(CompletableFuture.runAsync(instance::start, pool));
        }
        pool.shutdown();
        RuntimeException failure = null;
        for (CompletableFuture<Void> f : starts) {
            try {
                f.join();
            } catch (CompletionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new TpbException(e.getCause().toString());
                }
            }
        }
        if (failure != null) {
            for (ModelInstance instance : model.instances()) {
                if (instance.stub() != null) {
                    instance.stub().kill();
                }
            }
            throw failure;
        }
    }
}
