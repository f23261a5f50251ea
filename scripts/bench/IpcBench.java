// The IPC benchmark behind scripts/bench-ipc: tpb's launcher <-> stub shared-memory protocol against the
// baseline a user would otherwise reach for (two CPython processes over multiprocessing pipes), in one run.
// Run through scripts/bench-ipc, which builds target/tpb.jar and starts this file with it on the class path.

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.Reporter;
import dev.tpb.ipc.StubConnection;
import dev.tpb.ipc.Wire;
import dev.tpb.python.PythonFinder;
import dev.tpb.python.PythonInstall;
import dev.tpb.python.PythonVersion;
import dev.tpb.runtime.ActivationMode;
import dev.tpb.runtime.Allocator;
import dev.tpb.runtime.DataType;
import dev.tpb.runtime.InferInput;
import dev.tpb.runtime.InferRequest;
import dev.tpb.runtime.InferResult;
import dev.tpb.runtime.LoadedModel;
import dev.tpb.runtime.ModelManager;
import dev.tpb.runtime.RuntimeOptions;
import dev.tpb.runtime.LogSettings;
import dev.tpb.runtime.StubLaunch;
import dev.tpb.runtime.StubOutput;
import dev.tpb.runtime.StubProcess;
import dev.tpb.stub.BuiltStub;
import dev.tpb.stub.CCompiler;
import dev.tpb.stub.StubBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

public class IpcBench {
    static final String IDENTITY = String.join("\n",
            "import triton_python_backend_utils as pb_utils",
            "class TritonPythonModel:",
            "    def execute(self, requests):",
            "        return [pb_utils.InferenceResponse([pb_utils.Tensor('OUT',",
            "                pb_utils.get_input_tensor_by_name(r, 'IN').as_memoryview())]) for r in requests]", "");
    static final String COPY = String.join("\n",
            "import triton_python_backend_utils as pb_utils",
            "class TritonPythonModel:",
            "    def execute(self, requests):",
            "        return [pb_utils.InferenceResponse([pb_utils.Tensor('OUT',",
            "                bytearray(pb_utils.get_input_tensor_by_name(r, 'IN').as_memoryview().cast('B')))])",
            "                for r in requests]", "");
    static final String CHAIN = String.join("\n",
            "import triton_python_backend_utils as pb_utils",
            "class TritonPythonModel:",
            "    def execute(self, requests):",
            "        out = []",
            "        for r in requests:",
            "            t = pb_utils.get_input_tensor_by_name(r, 'IN')",
            "            reply = pb_utils.InferenceRequest(model_name='identity', requested_output_names=['OUT'],",
            "                inputs=[pb_utils.Tensor('IN', t.as_memoryview())]).exec()",
            "            out.append(pb_utils.InferenceResponse([pb_utils.Tensor('OUT',",
            "                pb_utils.get_output_tensor_by_name(reply, 'OUT').as_memoryview())]))",
            "        return out", "");
    static final String FP32_IO = String.join("\n",
            "backend: \"python\"",
            "input [ { name: \"IN\" data_type: TYPE_FP32 dims: [ -1 ] } ]",
            "output [ { name: \"OUT\" data_type: TYPE_FP32 dims: [ -1 ] } ]", "");
    static final String PIPES = String.join("\n",
            "import multiprocessing as mp, sys, time",
            "def child(conn):",
            "    while True:",
            "        m = conn.recv_bytes()",
            "        if not m: return",
            "        conn.send_bytes(m)",
            "if __name__ == '__main__':",
            "    n = int(sys.argv[1]); a, b = mp.Pipe(); p = mp.Process(target=child, args=(b,)); p.start()",
            "    msg = b'x' * 64; t = []",
            "    for i in range(n + 1000):",
            "        s = time.perf_counter_ns(); a.send_bytes(msg); a.recv_bytes(); e = time.perf_counter_ns()",
            "        if i >= 1000: t.append(e - s)",
            "    a.send_bytes(b''); p.join(); t.sort()",
            "    print(t[len(t) // 2], t[int(len(t) * 0.99)])", "");

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20000;
        Path work = Files.createTempDirectory("tpb-bench-ipc-");
        try {
            PythonFinder finder = PythonFinder.system(Reporter.SILENT);
            PythonInstall python = args.length > 1 ? finder.find(PythonVersion.parse(args[1])) : finder.newest().orElseThrow();
            BuiltStub stub = new StubBuilder(work.resolve("cache"), CCompiler.find(null, System.getenv()), Reporter.SILENT)
                    .build(python, work.resolve("backends/python"), false);
            System.out.printf("Python %s, %d round trips, %d cores%n%n", python.version(), n,
                    Runtime.getRuntime().availableProcessors());

            long[] tiny;
            double idleCpu;
            try (StubProcess p = start(stub, model(work, "identity", IDENTITY), "identity_0_0")) {
                tiny = roundTrips(p.connection(), 4, n);
                idleCpu = idleCpuPercent(p.pid(), 10);
            }
            double identityGbps;
            double copyGbps;
            try (StubProcess p = start(stub, model(work, "identity", IDENTITY), "identity_0_0")) {
                identityGbps = throughput(p.connection(), 64 << 20, 20);
            }
            try (StubProcess p = start(stub, model(work, "copy", COPY), "copy_0_0")) {
                copyGbps = throughput(p.connection(), 64 << 20, 20);
            }
            double[] bls = blsChain(work, n);
            long[] startup = new long[11];
            Path trivial = model(work, "identity", IDENTITY);
            for (int i = 0; i < startup.length; i++) {
                long s = System.nanoTime();
                try (StubProcess p = start(stub, trivial, "identity_0_0")) {
                    startup[i] = System.nanoTime() - s;
                }
            }
            Arrays.sort(startup);
            String[] pipes = run(python.executable().toString(), "-c", PIPES, Integer.toString(n)).strip().split(" ");
            double pipeP50 = Long.parseLong(pipes[0]) / 1000.0;
            double pipeP99 = Long.parseLong(pipes[1]) / 1000.0;
            double p50 = tiny[tiny.length / 2] / 1000.0;
            double p99 = tiny[(int) (tiny.length * 0.99)] / 1000.0;

            System.out.println("| measurement | tpb | baseline: CPython multiprocessing.Pipe | ratio | target |");
            System.out.println("|---|---|---|---|---|");
            System.out.printf("| tiny request round trip p50 | %.1f µs | %.1f µs | %.1fx faster | <= 60 µs |%n", p50, pipeP50, pipeP50 / p50);
            System.out.printf("| tiny request round trip p99 | %.1f µs | %.1f µs | %.1fx faster | <= 250 µs |%n", p99, pipeP99, pipeP99 / p99);
            System.out.printf("| 64 MiB FP32 identity, request bytes/s (the output is the input: 1 copy) | %.2f GB/s | | | >= 2 GB/s |%n", identityGbps);
            System.out.printf("| 64 MiB FP32, the model returns a new buffer (its own copy plus tpb's) | %.2f GB/s | | | |%n", copyGbps);
            System.out.printf("| stub start to model ready (trivial model), median | %.0f ms | | | <= 300 ms |%n", startup[startup.length / 2] / 1e6);
            System.out.printf("| BLS chain (model -> identity -> model, through the runtime), p50 | %.1f µs | direct: %.1f µs | +%.1f µs per BLS call | |%n",
                    bls[1], bls[0], bls[1] - bls[0]);
            System.out.printf("| 4 MiB FP32 through a BLS call (2 copies: into the target, back), request bytes/s | %.2f GB/s | direct: %.2f GB/s | | |%n",
                    bls[3], bls[2]);
            System.out.printf("| idle stub CPU over 10 s | %.2f %% | | | <= 1 %% |%n", idleCpu);
        } finally {
            try (var walk = Files.walk(work)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * A model calling another through BLS, both served by a ModelManager as tpb run serves them (no HTTP): p50 of a
     * direct request to identity and of one to chain (which calls identity), then 4 MiB throughput of each.
     * Returns {direct p50 µs, chain p50 µs, direct GB/s, chain GB/s}.
     */
    static double[] blsChain(Path work, int n) throws Exception {
        Path repo = work.resolve("bls-repo");
        for (String[] m : new String[][] {{"identity", IDENTITY}, {"chain", CHAIN}}) {
            Path dir = repo.resolve(m[0]);
            Files.createDirectories(dir.resolve("1"));
            Files.writeString(dir.resolve("config.pbtxt"), FP32_IO);
            Files.writeString(dir.resolve("1/model.py"), m[1]);
        }
        RuntimeOptions options = new RuntimeOptions(work.resolve("backends"), work.resolve("cache"), Allocator.SYSTEM,
                ActivationMode.direct, 1 << 20, 1 << 20, 64);
        try (ModelManager manager = new ModelManager(repo, options, Reporter.SILENT, StubOutput.DISCARD)) {
            manager.loadAll(List.of());
            LoadedModel identity = manager.model("identity").orElseThrow();
            LoadedModel chain = manager.model("chain").orElseThrow();
            double[] out = new double[4];
            for (int k = 0; k < 2; k++) {
                LoadedModel target = k == 0 ? identity : chain;
                InferRequest tiny = new InferRequest("", 0L, 0, 0, "{}", List.of(new InferInput("IN", DataType.FP32,
                        new long[] {1}, ByteBuffer.allocate(4))), List.of());
                for (int i = 0; i < n; i++) {
                    target.submit(tiny).join().close();
                }
                long[] t = new long[n];
                for (int i = 0; i < n; i++) {
                    long s = System.nanoTime();
                    try (InferResult r = target.submit(tiny).join()) {
                        if (r.error().isPresent()) {
                            throw new IllegalStateException(r.error().get().message());
                        }
                    }
                    t[i] = System.nanoTime() - s;
                }
                Arrays.sort(t);
                out[k] = t[n / 2] / 1000.0;
                ByteBuffer big = ByteBuffer.allocateDirect(4 << 20);
                InferRequest large = new InferRequest("", 0L, 0, 0, "{}", List.of(new InferInput("IN", DataType.FP32,
                        new long[] {1 << 20}, big)), List.of());
                target.submit(large).join().close();
                int rounds = 50;
                long s = System.nanoTime();
                for (int i = 0; i < rounds; i++) {
                    target.submit(large).join().close();
                }
                out[2 + k] = (4.0 * (1 << 20)) * rounds / ((System.nanoTime() - s) / 1e9) / 1e9;
            }
            return out;
        }
    }

    static Path model(Path work, String name, String source) throws Exception {
        Path file = work.resolve("models").resolve(name).resolve("1/model.py");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        return file;
    }

    static StubProcess start(BuiltStub stub, Path modelFile, String instance) {
        StubLaunch launch = new StubLaunch(stub.stub(), modelFile, stub.backendDir(), "bench", instance, "DEFAULT", null,
                ActivationMode.direct, Allocator.SYSTEM, 1 << 20, 1 << 20, LogSettings.DEFAULT.bits());
        StubProcess p = StubProcess.start(launch, StubOutput.DISCARD);
        ObjectNode initArgs = JsonNodeFactory.instance.objectNode();
        initArgs.put("model_name", "bench").put("model_version", "1").put("model_instance_name", instance);
        p.initialize(initArgs, false);
        return p;
    }

    /** One EXECUTE and its result, read as a model instance reads it; release the lease once the outputs are read. */
    static StubConnection.ExecuteDone call(StubConnection c, ByteBuffer data) {
        StubConnection.Placement placed = c.placeInputs(List.of(data));
        Wire.Request r = new Wire.Request(1, -1, "", 0L, 0, 0, "{}", List.of(), List.of(new Wire.Tensor("IN", "FP32",
                new long[] {data.remaining() / 4}, placed.offsets()[0], data.remaining())));
        c.sendExecute(List.of(r), placed);
        while (true) {
            StubConnection.Event e = c.poll();
            if (e instanceof StubConnection.ExecuteDone d) {
                Wire.ExecuteResult result = d.result();
                if (result.error() != null || result.responses().get(0).error() != null) {
                    throw new IllegalStateException(String.valueOf(result));
                }
                return d;
            }
            if (e == null) {
                c.await(1_000_000_000L, true, () -> false);
            }
        }
    }

    static long[] roundTrips(StubConnection c, int bytes, int n) {
        ByteBuffer data = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < Math.max(20000, n); i++) { // let the JIT finish: a server runs warm
            call(c, data).leases().get(0).release();
        }
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            call(c, data).leases().get(0).release();
            t[i] = System.nanoTime() - s;
        }
        Arrays.sort(t);
        return t;
    }

    /** GB/s of request tensor bytes; the launcher reads every output byte back, as a server writing it out would. */
    static double throughput(StubConnection c, int bytes, int n) {
        ByteBuffer data = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bytes / 4; i++) {
            data.putFloat(i * 4, i);
        }
        long sink = 0;
        call(c, data).leases().get(0).release();
        long s = System.nanoTime();
        for (int i = 0; i < n; i++) {
            StubConnection.ExecuteDone done = call(c, data);
            Wire.Tensor out = done.result().responses().get(0).outputs().get(0);
            ByteBuffer b = c.buffer(out.offset(), out.nbytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j + 8 <= out.nbytes(); j += 8) {
                sink += b.getLong(j);
            }
            done.leases().get(0).release();
        }
        double seconds = (System.nanoTime() - s) / 1e9;
        if (sink == 42) {
            System.out.print("");
        }
        return (double) bytes * n / seconds / 1e9;
    }

    static double idleCpuPercent(long pid, int seconds) throws Exception {
        long before = cpuTicks(pid);
        Thread.sleep(seconds * 1000L);
        long after = cpuTicks(pid);
        long hz = 100; // USER_HZ on Linux
        return 100.0 * (after - before) / hz / seconds;
    }

    static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + ":\n" + out);
        }
        return out;
    }
}
