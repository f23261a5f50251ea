package dev.tpb.cli;

import dev.tpb.UsageException;
import dev.tpb.runtime.LoadedModel;
import dev.tpb.runtime.LogSettings;
import dev.tpb.runtime.ModelControlMode;
import dev.tpb.runtime.ModelManager;
import dev.tpb.runtime.ModelState;
import dev.tpb.runtime.ModelStatus;
import dev.tpb.runtime.StubProcess;
import dev.tpb.server.ModelServer;
import java.io.StringWriter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = "Serve a model repository over the KServe v2 HTTP protocol, like Triton: "
        + "curl and tritonclient work against it. Runs until SIGINT/SIGTERM, then shuts down gracefully.",
        footerHeading = "%nExamples:%n",
        footer = {"  tpb run models",
            "  tpb run models --model add_sub --http-port 0 --malloc tcmalloc",
            "  curl localhost:8000/v2/models/add_sub",
            "  tpb infer --url http://127.0.0.1:8000 add_sub --input INPUT0=[1,2,3,4] ..."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:stopped by SIGINT or SIGTERM", "1:failure (repository, port)", "2:usage error"})
final class RunCommand extends TpbSubcommand {
    private static final long DEFAULT_MAX_REQUEST_BYTES = 64L << 20;

    @Parameters(index = "0", paramLabel = "MODEL_REPOSITORY", description = "The model repository directory.")
    Path repository;

    @Option(names = "--model", paramLabel = "NAME", description = "Load only this model (repeatable; default: every "
            + "model of the repository).")
    List<String> models = new ArrayList<>();

    @Option(names = "--model-control-mode", paramLabel = "MODE",
            description = "none (default, as Triton): load every model at start, refuse load and unload requests; "
                    + "explicit: load what --load-model names, take load and unload requests (HTTP, "
                    + "pb_utils.load_model).")
    ModelControlMode controlMode = ModelControlMode.none;

    @Option(names = "--load-model", paramLabel = "NAME", description = "With --model-control-mode explicit: a model "
            + "to load at start (repeatable; '*' alone: every model).")
    List<String> loadModels = new ArrayList<>();

    @Option(names = "--log-verbose", paramLabel = "LEVEL", description = "Verbose log level: 0 (default) hides "
            + "pb_utils.Logger.log_verbose lines, 1 or more shows them (as tritonserver --log-verbose).")
    int logVerbose;

    @Option(names = "--log-info", paramLabel = "BOOL", arity = "1", description = "Show info lines (default: true).")
    boolean logInfo = true;

    @Option(names = "--log-warning", paramLabel = "BOOL", arity = "1",
            description = "Show warning lines (default: true).")
    boolean logWarning = true;

    @Option(names = "--log-error", paramLabel = "BOOL", arity = "1", description = "Show error lines (default: true).")
    boolean logError = true;

    @Option(names = "--disable-auto-complete-config", description = "Do not run the models' auto_complete_config: "
            + "every config.pbtxt must be complete (as tritonserver's option).")
    boolean disableAutoComplete;

    @Option(names = "--host", paramLabel = "HOST", description = "Address to listen on (default: 127.0.0.1; serving "
            + "other hosts is an explicit choice, e.g. 0.0.0.0).")
    String host = "127.0.0.1";

    @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port (default: 8000, as Triton; 0 picks "
            + "a free port).")
    int port = 8000;

    @Option(names = "--max-request-bytes", paramLabel = "BYTES", description = "Largest request body accepted, also "
            + "after decompression (default: 67108864, Triton's --http-max-input-size).")
    long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "Log lines on stderr as text or json "
            + "(default: text).")
    RunLog.Format logFormat = RunLog.Format.text;

    @Mixin
    RuntimeMixin runtime;

    @Override
    protected int run() throws Exception {
        if (port < 0 || port > 65535) {
            throw new UsageException("--http-port must be between 0 and 65535, got " + port);
        }
        if (maxRequestBytes <= 0 || maxRequestBytes > Integer.MAX_VALUE - 8) {
            throw new UsageException("--max-request-bytes must be between 1 and " + (Integer.MAX_VALUE - 8) + ", got "
                    + maxRequestBytes);
        }
        List<String> startWith = startModels();
        Console console = console();
        LogSettings logSettings = new LogSettings(logInfo, logWarning, logError, Math.max(0, logVerbose), "default");
        RunLog log = new RunLog(console, logFormat);
        CountDownLatch stop = new CountDownLatch(1);
        boolean signals = Signals.onTermination(() -> {
            if (stop.getCount() > 0) {
                stop.countDown();
            } else {
                log.info("already shutting down");
            }
        });
        ModelManager manager = new ModelManager(repository, runtime.options().withControlMode(controlMode)
                .withAutoComplete(!disableAutoComplete), log, log);
        manager.logSettings(logSettings);
        log.settings(manager::logSettings);
        ModelServer server = null;
        // A safety net for the ways out that are not SIGINT/SIGTERM (SIGHUP, System.exit): stubs never outlive us.
        Thread hook = new Thread(manager::close, "tpb-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            List<ModelStatus> statuses = startWith == null ? List.of() : manager.loadAll(startWith);
            printModels(console, log, manager, statuses);
            if (stop.getCount() == 0) {
                log.info("shutting down");
                return Main.OK;
            }
            List<String> serving = statuses.stream().map(ModelStatus::name).distinct().toList();
            server = ModelServer.start(manager, serving, host, port, maxRequestBytes);
            ModelServer running = server;
            if (!signals) {
                Runtime.getRuntime().addShutdownHook(new Thread(running::close, "tpb-http-shutdown"));
            }
            console.out().println("listening on " + server.url());
            console.out().flush();
            stop.await();
            log.info("shutting down: waiting for requests in flight, then finalizing models");
            server.close();
            log.info("stopped");
            return Main.OK;
        } finally {
            if (server != null) {
                server.close();
            }
            manager.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    /** The models to load at start (empty: all; null: none), as tritonserver chooses them. */
    private List<String> startModels() {
        if (controlMode == ModelControlMode.none) {
            if (!loadModels.isEmpty()) {
                throw new UsageException("--load-model needs --model-control-mode explicit (in mode none every model "
                        + "of the repository is loaded; --model NAME loads only some)");
            }
            return models;
        }
        List<String> names = new ArrayList<>(models);
        if (loadModels.contains("*")) {
            if (loadModels.size() > 1) {
                throw new UsageException("--load-model=* must be the only --load-model argument");
            }
            return List.of();
        }
        names.addAll(loadModels);
        return names.isEmpty() ? null : names;
    }

    private static void printModels(Console console, RunLog log, ModelManager manager, List<ModelStatus> statuses) {
        List<Map<String, String>> rows = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (ModelStatus s : statuses) {
            List<LoadedModel> versions = manager.models().stream().filter(m -> m.name().equals(s.name())).toList();
            if (versions.isEmpty() || s.state() != ModelState.READY) {
                rows.add(row(s.name(), s.version().isEmpty() ? "-" : s.version(), "-", "-", "-", "-", "-",
                        s.state().name()));
                failures.add("failed to load '" + s.name() + "'" + (s.version().isEmpty() ? "" : " version "
                        + s.version()) + ": " + s.reason());
            }
            for (LoadedModel m : versions) {
                StubProcess stub = m.stubs().isEmpty() ? null : m.stubs().get(0);
                rows.add(row(m.name(), Long.toString(m.version()), m.spec().backend(),
                        stub == null ? "-" : stub.hello().python(),
                        stub == null || stub.launch().envDir() == null ? "-" : stub.launch().envDir().toString(),
                        Integer.toString(m.instanceNames().size()),
                        stub == null ? "-" : stub.launch().allocator().name(), m.state().name()));
            }
        }
        if (log.format() == RunLog.Format.json) {
            for (Map<String, String> r : rows) {
                log.event("model " + r.get("name") + " " + r.get("state"), r);
            }
        } else if (!console.quiet() && !rows.isEmpty()) {
            Table table = new Table("NAME", "VERSION", "BACKEND", "PYTHON", "ENVIRONMENT", "INSTANCES", "ALLOCATOR",
                    "STATE");
            rows.forEach(r -> table.row(r.values().toArray(new String[0])));
            StringWriter text = new StringWriter();
            table.print(new PrintWriter(text));
            synchronized (console) {
                console.err().print(text);
                console.err().flush();
            }
        }
        if (rows.isEmpty() && manager.controlMode() == ModelControlMode.none) {
            log.warn("no model to serve in " + manager.repository());
        }
        failures.forEach(log::warn);
    }

    private static Map<String, String> row(String name, String version, String backend, String python, String env,
                                           String instances, String allocator, String state) {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("name", name);
        r.put("version", version);
        r.put("backend", backend);
        r.put("python", python);
        r.put("environment", env);
        r.put("instances", instances);
        r.put("allocator", allocator);
        r.put("state", state);
        return r;
    }
}
