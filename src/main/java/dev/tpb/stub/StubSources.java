package dev.tpb.stub;

import dev.tpb.TpbException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** The stub's C and Python sources, shipped inside the jar (src/main/c and src/main/python). */
public final class StubSources {
    static final List<String> C_FILES = List.of("tpb_layout.h", "shm_region.h", "shm_region.c", "message_queue.h",
            "message_queue.c", "stub_heap.h", "stub_heap.c", "dlpack_tensor.h", "dlpack_tensor.c", "tpb_module.h",
            "tpb_module.c", "python_env.h", "python_env.c", "stub_main.c");
    /** Installed next to the stub: the model-facing API and the stub's message loop. */
    public static final List<String> PYTHON_FILES = List.of("triton_python_backend_utils.py", "_tpb_driver.py");

    private StubSources() {
    }

    static byte[] c(String name) {
        return read("c/" + name);
    }

    public static byte[] pythonFile(String name) {
        return read("python/" + name);
    }

    /** A digest of every source file: part of the build cache key. */
    static String digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String f : C_FILES) {
                sha.update(f.getBytes());
                sha.update(c(f));
            }
            for (String f : PYTHON_FILES) {
                sha.update(f.getBytes());
                sha.update(pythonFile(f));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the C sources into {@code dir} for the compiler. */
    static void writeC(Path dir) throws IOException {
        for (String f : C_FILES) {
            Files.write(dir.resolve(f), c(f));
        }
    }

    private static byte[] read(String name) {
        try (InputStream in = StubSources.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new TpbException("the stub source " + name + " is missing from tpb's jar (a broken build)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new TpbException("cannot read the stub source " + name + ": " + e.getMessage(), e);
        }
    }
}
