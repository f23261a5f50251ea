package dev.tpb.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.env.EnvCache;
import dev.tpb.ipc.StaleRegions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The models of one repository: loads them (in parallel; one that fails is reported and the others serve),
 * finds them for requests, reloads and unloads them, and shuts everything down cleanly.
 */
public final class ModelManager implements AutoCloseable {
    private static final long DRAIN_MILLIS = 10_000;

    private final ModelRepository repository;
    private final Reporter reporter;
    private final ModelLoader loader;
    private final RuntimeOptions options;
    private final StubServices services;
    private volatile LogSettings logSettings = LogSettings.DEFAULT;
    private final Map<String, TreeMap<Long, LoadedModel>> loaded = new ConcurrentHashMap<>();
    private final Map<String, List<ModelStatus>> statuses = new ConcurrentHashMap<>();
    /** Loads and unloads of one model are serialized: concurrent ones would start (and leak) extra instances. */
    private final Map<String, Object> modelLocks = new ConcurrentHashMap<>();
    /** Models loaded with a configuration (and files) of a load request: their files are removed with them. */
    private final Map<String, LoadOverride> overrides = new ConcurrentHashMap<>();
    private final Thread shutdownHook = new Thread(this::close, "tpb-shutdown");
    private volatile boolean closed;

    public ModelManager(Path repository, RuntimeOptions options, Reporter reporter, StubOutput output) {
        this.repository = new ModelRepository(repository);
        this.reporter = reporter;
        int stale = StaleRegions.clean(reporter);
        if (stale > 0) {
            reporter.info("removed " + stale + " shared memory region(s) left by a tpb that is no longer running");
        }
        StubResolver resolver = new StubResolver(options.backendsDir().toAbsolutePath(), options.cacheDir(), reporter);
        this.options = options;
        this.services = new StubServices(this, reporter);
        this.loader = new ModelLoader(options, resolver, new EnvCache(options.cacheDir().resolve("envs"), reporter),
                reporter, output, services, () -> logSettings.bits());
        // SIGTERM/SIGINT while models run: finalize them and remove their regions on the way out.
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private Object lockOf(String name) {
        return modelLocks.computeIfAbsent(name, n -> new Object());
    }

    public Path repository() {
        return repository.root();
    }

    /** Loads the named models (all when empty), in parallel. Never throws for a model that fails to load. */
    public List<ModelStatus> loadAll(List<String> onlyNames) {
        List<String> names = onlyNames.isEmpty() ? repository.modelNames() : onlyNames;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(4, names.size())));
        try {
            List<Future<ModelStatus>> futures = new ArrayList<>();
            for (String name : names) {
                futures.add(pool.submit(() -> load(name)));
            }
            List<ModelStatus> result = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                try {
                    result.add(futures.get(i).get());
                } catch (Exception e) {
                    result.add(new ModelStatus(names.get(i), "", ModelState.UNAVAILABLE, String.valueOf(e.getMessage())));
                }
            }
            return result;
        } finally {
            pool.shutdown();
        }
    }

    public ModelControlMode controlMode() {
        return options.controlMode();
    }

    public LogSettings logSettings() {
        return logSettings;
    }

    /** New log settings (/v2/logging): every running stub sees them at once. */
    public void logSettings(LogSettings settings) {
        this.logSettings = settings;
        for (LoadedModel m : models()) {
            for (StubProcess s : m.stubs()) {
                s.connection().logSettings(settings.bits());
            }
        }
    }

    /**
     * A load asked for after the start (HTTP repository API, pb_utils.load_model): only in explicit model control
     * mode, as in Triton. {@code config} (JSON, may be empty) and {@code files} ("file:<path>" to content, may be
     * null) override the repository's.
     */
    public ModelStatus loadFromApi(String name, String config, java.util.Map<String, byte[]> files) {
        requireExplicit();
        Names.checkRepositoryName(name);
        LoadOverride override = LoadOverride.of(name, config, files);
        ModelStatus status;
        synchronized (lockOf(name)) {
            status = loadLocked(name, override);
        }
        if (status.state() != ModelState.READY) {
            String failure = "load failed for model '" + name + "': version " + (status.version().isEmpty() ? "1"
                    : status.version()) + " is at UNAVAILABLE state: " + status.reason() + ";";
            throw new ModelControlException(ErrorCode.INVALID_ARG, failure);
        }
        return status;
    }

    /** An unload asked for after the start: only in explicit model control mode, as in Triton. */
    public void unloadFromApi(String name) {
        requireExplicit();
        Names.checkRepositoryName(name);
        unload(name);
    }

    private void requireExplicit() {
        if (options.controlMode() != ModelControlMode.explicit) {
            // core's words, whatever the mode that is not explicit (model_repository_manager.cc LoadUnloadModel)
            throw new ModelControlException(ErrorCode.UNAVAILABLE,
                    "explicit model load / unload is not allowed if polling is enabled");
        }
    }

    /** Whether a BLS call to a model that is not loaded should try {@link #loadForCall} (tpb infer). */
    boolean loadsCalledModels() {
        return options.loadCalledModels() && !closed;
    }

    /**
     * Loads a model of the repository that a BLS call names, unless a load of it was tried before (it is loaded, or
     * failed: the call then gets Triton's "not ready" error). Returns whether it tried now.
     */
    boolean loadForCall(String name, String caller) {
        try {
            Names.checkRepositoryName(name);
        } catch (RuntimeException e) {
            return false;
        }
        if (!java.nio.file.Files.isDirectory(repository.root().resolve(name))) {
            return false;
        }
        synchronized (lockOf(name)) {
            if (statuses.containsKey(name)) {
                return false;
            }
            reporter.info("loading model '" + name + "', which model '" + caller + "' calls");
            ModelStatus status = loadLocked(name, null);
            if (status.state() != ModelState.READY) {
                reporter.warn("failed to load '" + name + "' version " + (status.version().isEmpty() ? "1"
                        : status.version()) + ": " + status.reason());
            }
            return true;
        }
    }

    /** (Re)loads one model from the repository; its previous versions are unloaded first. */
    public ModelStatus load(String name) {
        synchronized (lockOf(name)) {
            return loadLocked(name, null);
        }
    }

    private ModelStatus loadLocked(String name, LoadOverride override) {
        if (closed) {
            throw new TpbException("tpb is shutting down");
        }
        unloadLocked(name);
        statuses.put(name, List.of(new ModelStatus(name, "", ModelState.LOADING, "")));
        List<ModelStatus> result = new ArrayList<>();
        TreeMap<Long, LoadedModel> versions = new TreeMap<>();
        if (override != null) {
            overrides.put(name, override);
        }
        try {
            Path modelDir = override != null && override.modelDir() != null ? override.modelDir()
                    : repository.modelDir(name);
            TreeMap<Long, Path> available = ModelRepository.versions(modelDir, reporter);
            ObjectNode config = ConfigCompletion.read(modelDir,
                    available.isEmpty() ? null : available.lastEntry().getValue(),
                    override == null ? null : override.config(), options.autoComplete());
            List<Long> selected = ModelRepository.selectVersions(config.get("version_policy"), available, name, reporter);
            if (selected.isEmpty()) {
                throw new TpbException("model '" + name + "' has no version directory (such as " + modelDir.resolve("1")
                        + ") to load");
            }
            for (long v : selected) {
                try {
                    versions.put(v, loader.load(modelDir, v, available.get(v), config.deepCopy()));
                    result.add(new ModelStatus(name, Long.toString(v), ModelState.READY, ""));
                } catch (RuntimeException e) {
                    result.add(new ModelStatus(name, Long.toString(v), ModelState.UNAVAILABLE, message(e)));
                }
            }
        } catch (RuntimeException e) {
            result.add(new ModelStatus(name, "", ModelState.UNAVAILABLE, message(e)));
        }
        if (!versions.isEmpty()) {
            loaded.put(name, versions);
            if (closed) {
                unloadLocked(name); // shut down while this model loaded: close() did not see it
            }
        }
        statuses.put(name, List.copyOf(result));
        return result.stream().filter(s -> s.state() == ModelState.READY).reduce((a, b) -> b).orElse(result.get(result.size() - 1));
    }

    private static String message(RuntimeException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The highest READY version. */
    public Optional<LoadedModel> model(String name) {
        TreeMap<Long, LoadedModel> versions = loaded.get(name);
        if (versions == null) {
            return Optional.empty();
        }
        return versions.descendingMap().values().stream().filter(m -> m.state() == ModelState.READY).findFirst();
    }

    public Optional<LoadedModel> model(String name, long version) {
        TreeMap<Long, LoadedModel> versions = loaded.get(name);
        return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
    }

    /** Every loaded model version. */
    public List<LoadedModel> models() {
        List<LoadedModel> all = new ArrayList<>();
        loaded.values().forEach(v -> all.addAll(v.values()));
        all.sort(java.util.Comparator.comparing(LoadedModel::name).thenComparing(LoadedModel::version));
        return all;
    }

    /** Every model directory of the repository with its state (UNAVAILABLE "unloaded" when never loaded). */
    public List<ModelStatus> index() {
        List<ModelStatus> index = new ArrayList<>();
        for (String name : repository.modelNames()) {
            List<ModelStatus> s = statuses.get(name);
            if (s == null) {
                index.add(new ModelStatus(name, "", ModelState.UNAVAILABLE, "unloaded"));
            } else {
                index.addAll(s);
            }
        }
        return index;
    }

    public void unload(String name) {
        synchronized (lockOf(name)) {
            unloadLocked(name);
        }
    }

    private void unloadLocked(String name) {
        TreeMap<Long, LoadedModel> versions = loaded.remove(name);
        if (versions == null) {
            return;
        }
        for (LoadedModel m : versions.values()) {
            for (String error : m.unload(DRAIN_MILLIS)) {
                reporter.warn("finalize failed for " + error);
            }
        }
        statuses.put(name, List.of(new ModelStatus(name, "", ModelState.UNAVAILABLE, "unloaded")));
        LoadOverride override = overrides.remove(name);
        if (override != null) {
            override.discard();
        }
    }

    /** Stops accepting, lets requests in flight finish (bounded), finalizes every model, stops every stub. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: this is the hook, or it runs beside us and waits on this lock
        }
        List<Thread> unloads = new ArrayList<>();
        for (String name : new ArrayList<>(loaded.keySet())) {
            Thread t = new Thread(() -> unload(name), "tpb-unload-" + name);
            t.start();
            unloads.add(t);
        }
        for (Thread t : unloads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        services.close();
    }
}
