package dev.tpb.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.config.ExecutionEnvPaths;
import dev.tpb.env.EnvCache;
import dev.tpb.env.EnvInspector;
import dev.tpb.ipc.StubConnection;
import dev.tpb.python.PythonVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;

/**
 * Loads one version of one model: resolves its environment and stub, runs auto_complete_config (unless disabled,
 * as tritonserver's --disable-auto-complete-config), completes the configuration, then starts every instance in
 * parallel and initializes it.
 *
 * <p>Triton runs auto_complete_config in a stub of its own that it then stops. tpb runs it in the stub of the first
 * instance, which then goes on to initialize(): the stubs of the instances the configuration had before completion
 * start in parallel at once, and the completed configuration only decides which of them stay.
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
        if (stub.runtimeModelDir().equals("DEFAULT") && !Files.isRegularFile(modelFile)) {
            throw new TpbException("Failed to preinitialize Python stub: Python model file not found in '" + modelFile
                    + "'");
        }
        if (envPython.isPresent() && !envPython.get().sameMinor(stub.python())) {
            throw new TpbException("model '" + name + "': the stub " + stub.stub() + " is built for Python "
                    + stub.python().minorString() + " but the execution environment " + env.get() + " has Python "
                    + envPython.get().minorString() + "; build a matching one with 'tpb build-stub --python "
                    + envPython.get().minorString() + "'");
        }
        Start start = new Start(name, version, modelDir, modelFile, stub, env.orElse(null));
        // The instances as the configuration has them now: auto_complete_config seldom changes them.
        List<String> guessed = instanceNames(ModelSpec.of(ConfigCompletion.finish(config.deepCopy(), Reporter.SILENT)));
        Map<String, StubProcess> started = launchAll(start, guessed);
        try {
            ObjectNode completed = config;
            if (options.autoComplete()) {
                completed = autoComplete(started.get(guessed.get(0)), name, config);
            }
            ModelSpec spec = ModelSpec.of(ConfigCompletion.finish(completed, reporter));
            LoadedModel model = new LoadedModel(spec, version, modelDir, options.maxQueueSize());
            for (String instance : instanceNames(spec)) {
                Names.checkStubName(instance);
                model.addInstance(new ModelInstance(instance, model, () -> startInstance(start, spec, instance),
                        reporter, calls));
            }
            initializeAll(model, start, spec, started);
            model.markReady();
            return model;
        } finally {
            started.values().forEach(StubProcess::kill); // stubs the completed configuration did not keep
        }
    }

    private static List<String> instanceNames(ModelSpec spec) {
        List<String> names = new ArrayList<>();
        for (InstanceGroupSpec group : spec.instanceGroups()) {
            for (int i = 0; i < group.count(); i++) {
                names.add(group.name() + "_" + i);
            }
        }
        return names;
    }

    /** What every stub of this model version is started with. */
    private record Start(String model, long version, Path modelDir, Path modelFile, StubResolver.Resolved stub,
                         Path envDir) {
        StubLaunch launch(String stubName, RuntimeOptions o, int logSettings) {
            return new StubLaunch(stub.stub(), modelFile, stub.pythonLib(), model, stubName, stub.runtimeModelDir(),
                    envDir, o.activation(), o.allocator(), o.shmDefaultBytes(), o.shmGrowthBytes(), logSettings);
        }
    }

    /** Starts a stub per instance name, in parallel (up to HELLO); on a failure the others are stopped. */
    private Map<String, StubProcess> launchAll(Start start, List<String> names) {
        for (String n : names) {
            Names.checkStubName(n);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, names.size()));
        Map<String, CompletableFuture<StubProcess>> futures = new LinkedHashMap<>();
        for (String n : names) {
            futures.put(n, CompletableFuture.supplyAsync(() -> launch(start, n), pool));
        }
        pool.shutdown();
        Map<String, StubProcess> started = new LinkedHashMap<>();
        RuntimeException failure = null;
        for (Map.Entry<String, CompletableFuture<StubProcess>> f : futures.entrySet()) {
            try {
                started.put(f.getKey(), f.getValue().join());
            } catch (CompletionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new TpbException(e.getCause().toString());
                }
            }
        }
        if (failure != null) {
            started.values().forEach(StubProcess::kill);
            throw failure;
        }
        return started;
    }

    private StubProcess launch(Start start, String instance) {
        return StubProcess.start(start.launch(instance, options, logSettings.getAsInt()), output);
    }

    /** auto_complete_config, in the first instance's stub: returns the completed configuration. */
    private static ObjectNode autoComplete(StubProcess stub, String model, ObjectNode config) {
        JsonNode result = stub.autoComplete(config);
        if (!result.isObject()) {
            throw new TpbException("Failed to parse auto-complete JSON. (model '" + model + "')");
        }
        return (ObjectNode) result;
    }

    /** A stub started and initialized (also what a restart runs). */
    private StubProcess startInstance(Start start, ModelSpec spec, String instance) {
        StubProcess stub = launch(start, instance);
        initialize(stub, start, spec, instance);
        return stub;
    }

    private void initialize(StubProcess stub, Start start, ModelSpec spec, String instance) {
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
                if (e instanceof StubConnection.Call call) {
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
    }

    /**
     * Initializes every instance in parallel, each in the stub already started under its name, or a new one; the
     * stubs taken are removed from {@code started}.
     */
    private void initializeAll(LoadedModel model, Start start, ModelSpec spec, Map<String, StubProcess> started) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, model.instances().size()));
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (ModelInstance instance : model.instances()) {
            StubProcess ready = started.remove(instance.name());
            starts.add(CompletableFuture.runAsync(() -> {
                if (ready == null) {
                    instance.start();
                } else {
                    initialize(ready, start, spec, instance.name());
                    instance.adopt(ready);
                }
            }, pool));
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
