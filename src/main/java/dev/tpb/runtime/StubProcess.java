package dev.tpb.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.TpbException;
import dev.tpb.ipc.MessageType;
import dev.tpb.ipc.StubConnection;
import dev.tpb.ipc.StubGoneException;
import dev.tpb.ipc.Wire;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One running stub: its process, its shared-memory connection and what it printed last. Requests are made
 * one at a time by whoever owns the instance. The stub's death is noticed at once (its socket closes).
 */
public final class StubProcess implements AutoCloseable {
    private static final int TAIL_LINES = 40;
    private static final long SPIN_NANOS = Long.getLong("tpb.spin.us", 50) * 1000;

    private final StubLaunch launch;
    private final Process process;
    private final StubConnection connection;
    private final Deque<String> tail = new ArrayDeque<>();
    private final List<Thread> relays = new ArrayList<>();
    private Wire.Hello hello;

    private StubProcess(StubLaunch launch, Process process, StubConnection connection) {
        this.launch = launch;
        this.process = process;
        this.connection = connection;
    }

    /** Starts the stub and waits until its Python is up (HELLO). */
    public static StubProcess start(StubLaunch launch, StubOutput output) {
        StubConnection connection = StubConnection.create(launch.modelName(), launch.shmDefaultBytes(),
                launch.shmGrowthBytes(), launch.envDir(), SPIN_NANOS, launch.logSettings());
        Process process;
        try {
            process = Spawner.start(builder(launch, connection.regionName()));
        } catch (IOException e) {
            connection.close();
            throw new TpbException("Failed to run python backend stub " + launch.stub() + ": " + e.getMessage(), e);
        }
        StubProcess stub = new StubProcess(launch, process, connection);
        // A child the model forked may hold the socket open: the process exiting must still wake a waiter.
        process.onExit().thenRun(connection::stubExited);
        stub.relay(process.getInputStream(), output);
        stub.relay(process.getErrorStream(), output);
        try {
            connection.awaitConnection(30_000, process::isAlive);
            stub.hello = connection.awaitHello(30_000);
        } catch (StubGoneException e) {
            stub.kill();
            throw new TpbException("Stub process '" + launch.stubName() + "' failed to start" + stub.exitDetail());
        } catch (RuntimeException e) {
            stub.kill();
            throw e;
        }
        if (stub.hello.error() != null) {
            stub.kill();
            throw new TpbException("Stub process '" + launch.stubName() + "' failed to start: " + stub.hello.error());
        }
        return stub;
    }

    private static ProcessBuilder builder(StubLaunch l, String regionName) {
        List<String> args = List.of(l.modelFile().toString(), regionName, Long.toString(l.shmDefaultBytes()),
                Long.toString(l.shmGrowthBytes()), Long.toString(ProcessHandle.current().pid()),
                l.pythonLib().toString(), "0", l.stubName(), l.runtimeModelDir());
        List<String> command = new ArrayList<>();
        ProcessBuilder pb = new ProcessBuilder();
        Map<String, String> env = pb.environment();
        env.put("PYTHONNOUSERSITE", "True");
        String preload = l.allocator().library().map(Path::toString).orElse("");
        if (l.envDir() != null && l.activation() == ActivationMode.source) {
            // Older Triton: a shell sources the activate script, then execs the stub.
            command.addAll(List.of("/bin/bash", "-c", String.join("\n",
                    "env_dir=$1; preload=$2; shift 2",
                    "source \"$env_dir/bin/activate\" || exit 1",
                    "export LD_LIBRARY_PATH=\"$env_dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"",
                    "[ -n \"$preload\" ] && export LD_PRELOAD=\"$preload${LD_PRELOAD:+:$LD_PRELOAD}\"",
                    "export PYTHONNOUSERSITE=True",
                    "exec \"$@\""), "tpb-stub", l.envDir().toString(), preload));
        } else {
            if (l.envDir() != null) {
                String env0 = l.envDir().toString();
                env.put("VIRTUAL_ENV", env0);
                env.put("VIRTUAL_ENV_PROMPT", "(" + env0 + ")");
                env.put("PATH", env0 + "/bin" + prefixed(env.get("PATH")));
                // Twice, as Triton >= 25.08 does: the stub drops the first copy at start, so processes the model
                // starts still find the environment's libraries through the second.
                env.put("LD_LIBRARY_PATH", env0 + "/lib:" + env0 + "/lib" + prefixed(env.get("LD_LIBRARY_PATH")));
                env.remove("PYTHONHOME");
            }
            if (!preload.isEmpty()) {
                env.put("LD_PRELOAD", preload + prefixed(env.get("LD_PRELOAD")));
            }
        }
        command.add(l.stub().toString());
        command.addAll(args);
        pb.command(command);
        return pb;
    }

    private static String prefixed(String rest) {
        return rest == null || rest.isEmpty() ? "" : ":" + rest;
    }

    private void relay(InputStream stream, StubOutput output) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > TAIL_LINES) {
                            tail.removeFirst();
                        }
                    }
                    output.line(launch.stubName(), line);
                }
            } catch (IOException ignored) {
                // the stub is gone
            }
        }, "tpb-stub-output-" + launch.stubName());
        t.setDaemon(true);
        t.start();
        relays.add(t);
    }

    /** ": exit status N; last output: ..." for messages about a stub that died. */
    String exitDetail() {
        StringBuilder sb = new StringBuilder();
        try {
            if (process.waitFor(1, TimeUnit.SECONDS)) {
                sb.append(" (exit status ").append(process.exitValue()).append(')');
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        awaitRelays();
        List<String> lines;
        synchronized (tail) {
            lines = new ArrayList<>(tail);
        }
        if (!lines.isEmpty()) {
            sb.append(":\n  ").append(String.join("\n  ", lines));
        }
        return sb.toString();
    }

    private void awaitRelays() {
        for (Thread t : relays) {
            try {
                t.join(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public Wire.Hello hello() {
        return hello;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    public StubConnection connection() {
        return connection;
    }

    public StubLaunch launch() {
        return launch;
    }

    /** auto_complete_config: returns the model's completed config JSON. */
    public JsonNode autoComplete(JsonNode modelConfig) {
        JsonNode result = call(MessageType.AUTO_COMPLETE, Wire.autoCompleteBody(modelConfig), StubProcess::discard);
        String error = Wire.errorOf(result);
        if (error != null) {
            throw new ModelException("auto-complete failed for model '" + launch.modelName() + "': " + error, error);
        }
        return result.path("model_config");
    }

    public void initialize(ObjectNode args, boolean decoupled) {
        initialize(args, decoupled, StubProcess::discard);
    }

    /** initialize(); {@code others} gets what the stub sends meanwhile (model-control calls of initialize()). */
    public void initialize(ObjectNode args, boolean decoupled, Consumer<StubConnection.Event> others) {
        JsonNode result = call(MessageType.INITIALIZE, Wire.initializeBody(args, decoupled), others);
        String error = Wire.errorOf(result);
        if (error != null) {
            throw new ModelException("failed to initialize model instance '" + launch.stubName() + "': " + error, error);
        }
    }

    private JsonNode call(MessageType type, byte[] body, Consumer<StubConnection.Event> others) {
        try {
            return connection.call(type, body, others);
        } catch (StubGoneException e) {
            throw new TpbException("Stub process '" + launch.stubName() + "' is not healthy." + exitDetail());
        }
    }

    /** What arrives while nobody serves the stub (responses from the model's threads): given back, unanswered. */
    static void discard(StubConnection.Event e) {
        if (e instanceof StubConnection.ExecuteDone d) {
            d.leases().forEach(l -> {
                if (l != null) {
                    l.release();
                }
            });
        } else if (e instanceof StubConnection.ResponseSent r && r.lease() != null) {
            r.lease().release();
        } else if (e instanceof StubConnection.Infer i) {
            i.inputs().release();
        }
    }

    /** Asks the model to finalize, waits up to {@code timeoutMillis}, then makes sure the process is gone. */
    public String stop(long timeoutMillis) {
        String error = null;
        if (process.isAlive()) {
            try {
                FinalizeCall f = new FinalizeCall(connection);
                f.start();
                f.join(timeoutMillis);
                error = f.error;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                if (!process.waitFor(Math.max(100, timeoutMillis), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        kill();
        return error;
    }

    /** Runs FINALIZE on its own thread so that a hanging finalize() cannot hold shutdown. */
    private static final class FinalizeCall extends Thread {
        private final StubConnection connection;
        volatile String error;

        FinalizeCall(StubConnection connection) {
            super("tpb-finalize");
            setDaemon(true);
            this.connection = connection;
        }

        @Override
        public void run() {
            try {
                error = Wire.errorOf(connection.call(MessageType.FINALIZE, new byte[0], StubProcess::discard));
            } catch (RuntimeException e) {
                error = e.getMessage();
            }
        }
    }

    /** SIGKILL, reap, remove the region and socket. Safe to call more than once. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connection.close();
    }

    @Override
    public void close() {
        kill();
    }

    /** Is the stub's region still in /dev/shm? (for tests and clean-up checks) */
    public boolean regionExists() {
        return Files.exists(connection.regionPath());
    }
}
