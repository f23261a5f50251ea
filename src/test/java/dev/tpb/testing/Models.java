package dev.tpb.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tpb.Reporter;
import dev.tpb.runtime.ActivationMode;
import dev.tpb.runtime.Allocator;
import dev.tpb.runtime.DataType;
import dev.tpb.runtime.InferInput;
import dev.tpb.runtime.InferOutput;
import dev.tpb.runtime.InferRequest;
import dev.tpb.runtime.InferResult;
import dev.tpb.runtime.LoadedModel;
import dev.tpb.runtime.ModelManager;
import dev.tpb.runtime.ModelState;
import dev.tpb.runtime.ModelStatus;
import dev.tpb.runtime.RuntimeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Test model repositories built from src/test/resources/models, and helpers to call them. */
public final class Models {
    private Models() {
    }

    /** Copies the named test models into {@code repo} (from examples/models, models/ or numpy-models/). */
    public static Path copy(Path repo, String... names) {
        for (String name : names) {
            Path source = Path.of("examples/models", name);
            if (!Files.isDirectory(source)) {
                source = resource("models/" + name);
            }
            if (!Files.isDirectory(source)) {
                source = resource("numpy-models/" + name);
            }
            copyTree(source, repo.resolve(name));
        }
        return repo;
    }

    /** Rewrites {@code backend: "python"} to a versioned backend such as python_3_10. */
    public static void useBackend(Path modelDir, String backend) {
        Path config = modelDir.resolve("config.pbtxt");
        try {
            Files.writeString(config, Files.readString(config).replace("backend: \"python\"", "backend: \"" + backend + "\""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void append(Path modelDir, String configText) {
        try {
            Files.writeString(modelDir.resolve("config.pbtxt"), "\n" + configText + "\n",
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RuntimeOptions options(Allocator allocator, ActivationMode activation) {
        return new RuntimeOptions(TestStubs.backendsDir(), TestStubs.cacheDir(), allocator, activation,
                RuntimeOptions.DEFAULT_SHM_BYTES, RuntimeOptions.DEFAULT_SHM_BYTES, 256);
    }

    public static ModelManager manager(Path repo) {
        return new ModelManager(repo, options(Allocator.SYSTEM, ActivationMode.direct), Reporter.SILENT,
                (stub, line) -> System.err.println("[" + stub + "] " + line));
    }

    /** Loads the repository, which holds one model, and returns that model; the test fails unless it is ready. */
    public static LoadedModel loadOnly(ModelManager manager, String name) {
        List<ModelStatus> statuses = manager.loadAll(List.of());
        assertEquals(List.of(ModelState.READY), statuses.stream().map(ModelStatus::state).toList(), statuses::toString);
        return manager.model(name).orElseThrow();
    }

    public static InferInput fp32(String name, long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new InferInput(name, DataType.FP32, shape, b.flip());
    }

    public static InferInput int32(String name, int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return new InferInput(name, DataType.INT32, new long[] {values.length}, b.flip());
    }

    public static int[] ints(InferOutput o) {
        ByteBuffer b = o.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getInt();
        }
        return out;
    }

    public static InferInput bytes(String name, String... values) {
        List<byte[]> items = new ArrayList<>();
        for (String v : values) {
            items.add(v.getBytes(StandardCharsets.UTF_8));
        }
        return bytesRaw(name, items);
    }

    public static InferInput bytesRaw(String name, List<byte[]> items) {
        int total = items.stream().mapToInt(b -> 4 + b.length).sum();
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] item : items) {
            b.putInt(item.length).put(item);
        }
        return new InferInput(name, DataType.BYTES, new long[] {items.size()}, b.flip());
    }

    public static InferRequest request(InferInput... inputs) {
        return new InferRequest("", 0L, 0, 0, "{}", List.of(inputs), List.of());
    }

    public static float[] floats(InferOutput o) {
        ByteBuffer b = o.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    public static List<String> strings(InferOutput o) {
        List<String> out = new ArrayList<>();
        ByteBuffer b = o.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        while (b.remaining() >= 4) {
            byte[] item = new byte[b.getInt()];
            b.get(item);
            out.add(new String(item, StandardCharsets.UTF_8));
        }
        return out;
    }

    public static InferOutput output(InferResult r, String name) {
        return r.outputs().stream().filter(o -> o.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no output " + name + " in " + r.outputs()));
    }

    /**
     * /dev/shm/tpb_* regions (and their sockets) created by this JVM, read from the launcher pid in each region's
     * control block, so that other tpb processes running at the same time do not count.
     */
    public static List<String> shmRegions() {
        long self = ProcessHandle.current().pid();
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("tpb_"))
                    .filter(p -> launcherPid(p.toString().endsWith(".sock")
                            ? Path.of(p.toString().substring(0, p.toString().length() - 5)) : p) == self)
                    .map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The launcher pid recorded in a region, or -1 when unreadable; a socket without its region counts as ours. */
    private static long launcherPid(Path region) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(region)) {
            ByteBuffer header = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(header, 0);
            return header.position() < 28 ? -1 : Integer.toUnsignedLong(header.getInt(24));
        } catch (java.nio.file.NoSuchFileException e) {
            return ProcessHandle.current().pid();
        } catch (IOException e) {
            return -1;
        }
    }

    private static Path resource(String name) {
        try {
            return Path.of(Models.class.getResource("/" + name.split("/")[0]).toURI()).resolve(name.substring(name.indexOf('/') + 1));
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }

    public static void copyTree(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
