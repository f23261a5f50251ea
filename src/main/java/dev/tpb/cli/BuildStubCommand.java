package dev.tpb.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.UsageException;
import dev.tpb.python.PythonFinder;
import dev.tpb.python.PythonInstall;
import dev.tpb.python.PythonVersion;
import dev.tpb.stub.BuiltStub;
import dev.tpb.stub.CCompiler;
import dev.tpb.stub.StubBuilder;
import dev.tpb.stub.StubBuilds;
import dev.tpb.util.CacheDirs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "build-stub", description = "Build tpb's Python backend stub for one or more Python versions and lay "
        + "it out as <backends-dir>/python_3_X (stub + triton_python_backend_utils.py).",
        footerHeading = "%nExamples:%n",
        footer = {"  tpb build-stub --python 3.10", "  tpb build-stub --python 3.8,3.11,3.12 --backends-dir /models/backends",
            "  tpb build-stub --python-exe ~/miniconda3/envs/torch/bin/python"})
final class BuildStubCommand extends TpbSubcommand {
    @Option(names = "--python", split = ",", paramLabel = "VERSION",
            description = "Python version(s) to build for, e.g. 3.10 or 3.8,3.12 (found as 'tpb python list' shows).")
    List<String> versions = new ArrayList<>();

    @Option(names = "--python-exe", paramLabel = "PATH", description = "Build for this interpreter (repeatable).")
    List<Path> executables = new ArrayList<>();

    @Option(names = "--backends-dir", paramLabel = "DIR", description = "Where python_3_X/ goes (default: ./backends).")
    Path backendsDir = Path.of("backends");

    @Option(names = "--cc", paramLabel = "CC", description = "C compiler (default: $CC, cc, gcc or clang).")
    String cc;

    @Option(names = "--jobs", paramLabel = "N", description = "Versions built in parallel (default: all cores).")
    int jobs = Runtime.getRuntime().availableProcessors();

    @Option(names = "--force", description = "Compile even when the build cache has this stub.")
    boolean force;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    protected int run() throws Exception {
        if (versions.isEmpty() && executables.isEmpty()) {
            throw new UsageException("say which Python to build for: --python 3.X[,3.Y...] or --python-exe PATH");
        }
        if (jobs < 1) {
            throw new UsageException("--jobs must be at least 1");
        }
        PythonFinder finder = PythonFinder.system(console());
        List<PythonInstall> pythons = new ArrayList<>();
        for (String v : versions) {
            pythons.add(finder.find(PythonVersion.parse(v)));
        }
        for (Path exe : executables) {
            pythons.add(finder.at(exe));
        }
        CCompiler compiler = CCompiler.find(cc, System.getenv());
        StubBuilder builder = new StubBuilder(CacheDirs.root().resolve("stubs"), compiler, console());
        List<BuiltStub> built = StubBuilds.buildAll(builder, pythons, backendsDir.toAbsolutePath(), jobs, force);
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode array = mapper.createArrayNode();
            for (BuiltStub b : built) {
                ObjectNode o = array.addObject();
                o.put("python", b.python().version().toString());
                o.put("interpreter", b.python().executable().toString());
                o.put("backend_dir", b.backendDir().toString());
                o.put("stub", b.stub().toString());
                o.put("libpython", b.needed());
                o.put("cached", b.cached());
                o.put("millis", b.millis());
                o.put("compiler", b.compiler());
            }
            console().out().println(mapper.writeValueAsString(array));
            return Main.OK;
        }
        Table table = new Table("PYTHON", "BACKEND", "LIBPYTHON", "BUILD", "TIME");
        for (BuiltStub b : built) {
            table.row(b.python().version().toString(), b.backendDir().toString(), b.needed(),
                    b.cached() ? "cached" : "compiled", b.millis() + " ms");
        }
        table.print(console().out());
        console().info("models pick one with backend: \"python_3_X\" in config.pbtxt");
        return Main.OK;
    }
}
