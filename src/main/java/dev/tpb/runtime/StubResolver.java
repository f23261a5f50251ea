package dev.tpb.runtime;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.python.PythonFinder;
import dev.tpb.python.PythonInstall;
import dev.tpb.python.PythonVersion;
import dev.tpb.stub.BuiltStub;
import dev.tpb.stub.CCompiler;
import dev.tpb.stub.StubBuilder;
import dev.tpb.stub.StubRun;
import dev.tpb.stub.StubSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the stub a model runs with, as Triton does: {@code <model_dir>/triton_python_backend_stub} wins over
 * {@code <backends_dir>/<backend>/triton_python_backend_stub}. When neither exists and the backend is
 * {@code python} or {@code python_3_X}, tpb builds (once, into its cache) a stub for the Python the model's
 * environment has — or the newest one found — so a plain Triton repository runs with no preparation.
 *
 * <p>A backend whose directory holds a {@code model.py} is a Python-based backend (backend repo,
 * docs/python_based_backends.md): its {@code model.py} serves every model that names it (argv[9], runtime_modeldir,
 * is that directory), run by the stub in that directory, else the one of {@code <backends_dir>/python}, else one tpb
 * builds.
 */
final class StubResolver {
    private static final Pattern VERSIONED_BACKEND = Pattern.compile("python_(\\d+)_(\\d+)");

    /**
     * The stub to run, the directory holding its Python files (argv[6]), its Python version, and argv[9]: "DEFAULT",
     * or the directory of a Python-based backend.
     */
    record Resolved(Path stub, Path pythonLib, PythonVersion python, String origin, String runtimeModelDir) {
        Resolved withRuntimeModelDir(String dir) {
            return new Resolved(stub, pythonLib, python, origin, dir);
        }
    }

    private final Path backendsDir;
    private final Path cacheDir;
    private final Reporter reporter;
    private final Map<String, Resolved> built = new HashMap<>();
    private PythonFinder finder;

    StubResolver(Path backendsDir, Path cacheDir, Reporter reporter) {
        this.backendsDir = backendsDir;
        this.cacheDir = cacheDir;
        this.reporter = reporter;
    }

    synchronized Resolved resolve(String model, String backend, Path modelDir, Optional<PythonVersion> envPython) {
        Path backendDir = backendsDir.resolve(backend);
        if (!backend.equals("python") && Files.isRegularFile(backendDir.resolve("model.py"))) {
            // A Python-based backend: its stub, else the python backend's, else the model's own lookup below
            Resolved r = Files.exists(backendDir.resolve(StubBuilder.STUB_NAME))
                    ? backendStub(backendDir, model)
                    : resolveStub(model, "python", modelDir, envPython);
            return r.withRuntimeModelDir(backendDir.toString());
        }
        return resolveStub(model, backend, modelDir, envPython);
    }

    private Resolved resolveStub(String model, String backend, Path modelDir, Optional<PythonVersion> envPython) {
        Path modelStub = modelDir.resolve(StubBuilder.STUB_NAME);
        if (Files.exists(modelStub)) {
            ensureRunnable(modelStub, model);
            PythonVersion v = stubPython(modelStub);
            return new Resolved(modelStub, pythonFiles(v), v, "model directory", "DEFAULT");
        }
        Path backendStub = backendsDir.resolve(backend).resolve(StubBuilder.STUB_NAME);
        if (Files.exists(backendStub)) {
            return backendStub(backendStub.getParent(), model);
        }
        Matcher m = VERSIONED_BACKEND.matcher(backend);
        Optional<PythonVersion> wanted = m.matches()
                ? Optional.of(new PythonVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), -1))
                : Optional.empty();
        if (!backend.equals("python") && wanted.isEmpty()) {
            throw new TpbException(backendStub + " is not found. Searched paths: " + backendsDir.resolve(backend)
                    + " and " + modelDir + " (model '" + model + "' uses backend '" + backend + "')");
        }
        if (wanted.isPresent() && envPython.isPresent() && !envPython.get().sameMinor(wanted.get())) {
            throw new TpbException("model '" + model + "' uses backend '" + backend + "' but its execution environment"
                    + " has Python " + envPython.get().minorString());
        }
        PythonVersion version = wanted.or(() -> envPython).orElse(null);
        return buildOnDemand(model, backend, version);
    }

    private Resolved backendStub(Path dir, String model) {
        Path stub = dir.resolve(StubBuilder.STUB_NAME);
        ensureRunnable(stub, model);
        PythonVersion v = stubPython(stub);
        Path lib = dir;
        if (!Files.isRegularFile(lib.resolve("_tpb_driver.py"))) {
            lib = pythonFiles(v); // e.g. a stub copied without its Python files
        }
        return new Resolved(stub, lib, v, dir.toString(), "DEFAULT");
    }

    private Resolved buildOnDemand(String model, String backend, PythonVersion version) {
        PythonFinder f = finder();
        PythonInstall python = version == null
                ? f.all().stream().filter(p -> p.version().compareTo(PythonFinder.OLDEST_SUPPORTED) >= 0)
                    .filter(p -> p.hasSharedLibpython() && p.hasHeaders()).findFirst()
                    .orElseThrow(() -> new TpbException("no Python with a shared libpython and headers was found to "
                            + "build a stub for model '" + model + "'; " + f.describeFound()))
                : f.find(version);
        String key = python.version().minorString();
        Resolved cached = built.get(key);
        if (cached != null) {
            return cached;
        }
        StubBuilder builder = new StubBuilder(cacheDir.resolve("stubs"), CCompiler.find(null, System.getenv()), reporter);
        Path target = cacheDir.resolve("backends").resolve(StubBuilder.backendName(python));
        BuiltStub stub = builder.build(python, target, false);
        reporter.info("model '" + model + "' uses backend '" + backend + "': " + (stub.cached() ? "using" : "built")
                + " a stub for Python " + python.version() + " in " + target
                + " (make it permanent with 'tpb build-stub --python " + key + " --backends-dir " + backendsDir + "')");
        Resolved resolved = new Resolved(stub.stub(), target, python.version(), target.toString(), "DEFAULT");
        built.put(key, resolved);
        return resolved;
    }

    private PythonFinder finder() {
        if (finder == null) {
            finder = PythonFinder.system(reporter);
        }
        return finder;
    }

    /** Python files for a stub that came without them (a per-model stub): tpb's own, in the cache. */
    private Path pythonFiles(PythonVersion v) {
        Path dir = cacheDir.resolve("backends").resolve("python_" + v.underscored());
        try {
            Files.createDirectories(dir);
            for (String f : StubSources.PYTHON_FILES) {
                byte[] content = StubSources.pythonFile(f);
                Path target = dir.resolve(f);
                if (!Files.isRegularFile(target) || !java.util.Arrays.equals(Files.readAllBytes(target), content)) {
                    dev.tpb.util.AtomicFiles.write(target, out -> out.write(content));
                }
            }
        } catch (IOException e) {
            throw new TpbException("cannot write the stub's Python files to " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /**
     * A stub downloaded from object storage may lack the exec bit: give the owner's exec bit (keeping the other
     * bits), then probe it: run with no arguments, our stub exits 1.
     */
    private static void ensureRunnable(Path stub, String stubName) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(stub);
            if (!mode.contains(PosixFilePermission.OWNER_EXECUTE)) {
                try {
                    mode.add(PosixFilePermission.OWNER_EXECUTE);
                    Files.setPosixFilePermissions(stub, mode);
                } catch (IOException | UnsupportedOperationException e) {
                    throw new TpbException("Failed to give execute permission to triton_python_backend_stub in " + stub
                            + " " + stubName + " Error No.: -1 (" + e.getMessage() + ")");
                }
                StubRun probe = StubRun.of(stub);
                if (probe.exitCode() != 1) {
                    throw new TpbException(stub + " does not behave like a stub: run with no arguments it must exit "
                            + "with status 1");
                }
            }
        } catch (IOException e) {
            throw new TpbException("cannot read the permissions of " + stub + ": " + e.getMessage(), e);
        }
    }

    private final Map<Path, PythonVersion> stubVersions = new HashMap<>();

    /** The Python a stub embeds, from `stub --version`. */
    private PythonVersion stubPython(Path stub) {
        return stubVersions.computeIfAbsent(stub, s -> {
            StubRun run = StubRun.of(s, "--version");
            if (run.exitCode() != 0) {
                throw new TpbException(s + " --version failed: it is not a tpb stub (Triton's own stub speaks "
                        + "another protocol; build one with 'tpb build-stub'):\n" + run.output().strip());
            }
            return run.python().orElseThrow(() -> new TpbException(s + " --version does not name its Python: not a "
                    + "tpb stub"));
        });
    }
}
