package dev.tpb.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.config.ConfigDocument;
import dev.tpb.config.ConfigEditor;
import dev.tpb.config.ExecutionEnvPaths;
import dev.tpb.config.FieldPath;
import dev.tpb.env.EnvPacker;
import dev.tpb.env.PackListener;
import dev.tpb.env.PackOptions;
import dev.tpb.env.PackResult;
import dev.tpb.env.archive.ArchiveFormat;
import dev.tpb.python.PythonFinder;
import dev.tpb.python.PythonInstall;
import dev.tpb.runtime.ActivationMode;
import dev.tpb.runtime.Allocator;
import dev.tpb.runtime.DataType;
import dev.tpb.runtime.InferInput;
import dev.tpb.runtime.InferOutput;
import dev.tpb.runtime.InferRequest;
import dev.tpb.runtime.InferResult;
import dev.tpb.runtime.ModelManager;
import dev.tpb.runtime.ModelState;
import dev.tpb.runtime.ModelStatus;
import dev.tpb.runtime.RuntimeOptions;
import dev.tpb.runtime.StubOutput;
import dev.tpb.runtime.TensorJson;
import dev.tpb.server.KServeClient;
import dev.tpb.server.ModelServer;
import dev.tpb.stub.BuiltStub;
import dev.tpb.stub.CCompiler;
import dev.tpb.stub.StubBuilder;
import dev.tpb.stub.StubBuilds;
import dev.tpb.util.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The whole workflow in one run, on this machine's own Pythons: build stubs for two Python versions, give one
 * model its own packed environment, edit config.pbtxt, serve both over KServe v2 HTTP and call them.
 */
public final class Demo {
    private static final List<String> MODEL_FILES = List.of("add_sub/config.pbtxt", "add_sub/1/model.py",
            "whoami/config.pbtxt", "whoami/1/model.py");

    private final Path dir;
    private final Path cacheDir;
    private final PrintWriter out;
    private final Reporter reporter;
    private final long start = System.nanoTime();

    private final boolean keep;

    /** {@code keep}: the user asked to keep {@code dir} and will serve it again, so say how. */
    public Demo(Path dir, boolean keep, Path cacheDir, PrintWriter out, Reporter reporter) {
        this.dir = dir.toAbsolutePath();
        this.keep = keep;
        this.cacheDir = cacheDir;
        this.out = out;
        this.reporter = reporter;
    }

    public void run() throws IOException {
        List<PythonInstall> pythons = choosePythons();
        PythonInstall first = pythons.get(0);
        PythonInstall second = pythons.get(pythons.size() - 1);
        step(1, "Pythons found: " + pythons.stream().map(p -> p.version() + " (" + p.executable() + ")")
                .collect(Collectors.joining(" and ")));

        Path models = dir.resolve("models");
        writeModels(models);
        edit(models.resolve("add_sub"), doc -> ConfigEditor.set(doc, FieldPath.parse("backend"),
                StubBuilder.backendName(first)));
        edit(models.resolve("whoami"), doc -> ConfigEditor.set(doc, FieldPath.parse("backend"),
                StubBuilder.backendName(second)));
        step(2, "model repository " + models + ": add_sub on backend " + StubBuilder.backendName(first)
                + ", whoami on backend " + StubBuilder.backendName(second));

        Path backends = dir.resolve("backends");
        long t = System.nanoTime();
        StubBuilder builder = new StubBuilder(cacheDir.resolve("stubs"), CCompiler.find(null, System.getenv()), reporter);
        List<BuiltStub> stubs = StubBuilds.buildAll(builder, pythons, backends, pythons.size(), false);
        step(3, "stubs built (tpb build-stub): " + stubs.stream().map(s -> s.backendDir().getFileName() + " links "
                + s.needed()).collect(Collectors.joining(", ")) + " " + since(t));

        t = System.nanoTime();
        Path venv = dir.resolve("venv-" + second.version().minorString());
        makeVenv(second, venv);
        Path archive = models.resolve("whoami/env.tar.gz");
        PackResult packed = new EnvPacker(Reporter.SILENT).pack(venv, archive,
                new PackOptions(ArchiveFormat.TAR_GZ, 4, Runtime.getRuntime().availableProcessors(), List.of(), null,
                        false, false, true), PackListener.NONE);
        String value = ExecutionEnvPaths.MODEL_DIR_TOKEN + "/env.tar.gz";
        edit(models.resolve("whoami"), doc -> ConfigEditor.setParameter(doc, ExecutionEnvPaths.PARAMETER, value));
        step(4, "a venv of Python " + second.version() + " packed into " + archive + " (tpb pack-env: " + packed.files()
                + " files, standalone: the interpreter and its standard library included) and set as whoami's "
                + ExecutionEnvPaths.PARAMETER + " = " + value + " (tpb config set-env) " + since(t));

        t = System.nanoTime();
        // The extracted environment goes into the demo's directory, not into the user's cache.
        RuntimeOptions options = new RuntimeOptions(backends, dir.resolve("cache"), Allocator.SYSTEM, ActivationMode.direct,
                RuntimeOptions.DEFAULT_SHM_BYTES, RuntimeOptions.DEFAULT_SHM_BYTES, RuntimeOptions.DEFAULT_MAX_QUEUE);
        try (ModelManager manager = new ModelManager(models, options, reporter, StubOutput.DISCARD)) {
            for (ModelStatus s : manager.loadAll(List.of())) {
                if (s.state() != ModelState.READY) {
                    throw new TpbException("model '" + s.name() + "' failed to load: " + s.reason());
                }
            }
            try (ModelServer server = ModelServer.start(manager, List.of("add_sub", "whoami"), "127.0.0.1", 0, 64 << 20)) {
                step(5, "serving " + server.url() + " (tpb run): stub processes started in their environments "
                        + since(t));
                KServeClient client = new KServeClient(server.url(), false);
                try (InferResult r = client.infer("add_sub", "", request(
                        fp32("INPUT0", 1, 2, 3, 4), fp32("INPUT1", 4, 3, 2, 1)))) {
                    check(r);
                    step(6, "POST " + server.url() + "/v2/models/add_sub/infer -> " + show(r));
                }
                try (InferResult r = client.infer("whoami", "", request(bytes("QUESTION", "who are you?")))) {
                    check(r);
                    out.println("        POST " + server.url() + "/v2/models/whoami/infer -> " + show(r));
                }
            }
        }
        out.println();
        out.println("Done in " + since(start).replaceAll("[()]", "") + ".");
        if (keep) {
            out.println("The models, stubs and environment are in " + dir + "; serve them yourself with:");
            out.println("  tpb run " + models + " --backends-dir " + backends);
        } else {
            out.println("Keep the repository with 'tpb demo --dir DIR', then serve it yourself with:");
            out.println("  tpb run DIR/models --backends-dir DIR/backends");
        }
        out.println("  curl -s localhost:8000/v2/models/add_sub/infer -d '{\"inputs\":["
                + "{\"name\":\"INPUT0\",\"shape\":[4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
                + "{\"name\":\"INPUT1\",\"shape\":[4],\"datatype\":\"FP32\",\"data\":[4,3,2,1]}]}'");
        out.flush();
    }

    /** A venv without pip (quicker, and the demo installs nothing into it). */
    private static void makeVenv(PythonInstall python, Path venv) {
        try {
            Process p = new ProcessBuilder(python.executable().toString(), "-m", "venv", "--without-pip", venv.toString())
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new TpbException("creating a venv with " + python.executable() + " failed:\n" + output.strip());
            }
        } catch (IOException e) {
            throw new TpbException("cannot run " + python.executable() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException("interrupted while creating a venv");
        }
    }

    /** The newest and the oldest Python that can take a stub (the same one when there is only one). */
    private List<PythonInstall> choosePythons() {
        List<PythonInstall> usable = PythonFinder.system(reporter).all().stream()
                .filter(p -> p.version().compareTo(PythonFinder.OLDEST_SUPPORTED) >= 0)
                .filter(p -> p.hasSharedLibpython() && p.hasHeaders() && !p.isVenv()).toList();
        if (usable.isEmpty()) {
            throw new TpbException("the demo needs a Python 3.8+ with a shared libpython and headers; "
                    + "'tpb doctor' says what this machine has");
        }
        PythonInstall newest = usable.get(0);
        PythonInstall oldest = usable.get(usable.size() - 1);
        return newest.version().sameMinor(oldest.version()) ? List.of(newest) : List.of(newest, oldest);
    }

    private void writeModels(Path models) throws IOException {
        for (String file : MODEL_FILES) {
            try (InputStream in = Demo.class.getResourceAsStream("models/" + file)) {
                if (in == null) {
                    throw new TpbException("the demo model " + file + " is missing from tpb's jar (a broken build)");
                }
                Path target = models.resolve(file);
                Files.createDirectories(target.getParent());
                Files.write(target, in.readAllBytes());
            }
        }
    }

    private static void edit(Path modelDir, java.util.function.UnaryOperator<ConfigDocument> change) {
        Path file = modelDir.resolve("config.pbtxt");
        AtomicFiles.writeString(file, change.apply(ConfigDocument.parse(file)).print());
    }

    private void step(int n, String text) {
        out.println("[" + n + "/6] " + text);
        out.flush();
    }

    private static String since(long t) {
        return String.format("(%.1f s)", (System.nanoTime() - t) / 1e9);
    }

    private static InferRequest request(InferInput... inputs) {
        return new InferRequest("", 0L, 0, 0, "{}", List.of(inputs), List.of());
    }

    private static InferInput fp32(String name, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new InferInput(name, DataType.FP32, new long[] {values.length}, b.flip());
    }

    private static InferInput bytes(String name, String value) {
        byte[] utf8 = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + utf8.length).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).put(utf8);
        return new InferInput(name, DataType.BYTES, new long[] {1}, b.flip());
    }

    private static void check(InferResult r) {
        if (r.error().isPresent()) {
            throw new TpbException("the demo request failed: " + r.error().get().message());
        }
    }

    private static String show(InferResult r) {
        List<String> parts = new ArrayList<>();
        for (InferOutput o : r.outputs()) {
            JsonNode values = TensorJson.toJson(o.name(), o.datatype(), o.data(), o.shape());
            parts.add(o.name() + " = " + values);
        }
        return String.join(", ", parts);
    }
}
