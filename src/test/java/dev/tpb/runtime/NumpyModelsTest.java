package dev.tpb.runtime;

import static dev.tpb.testing.Models.floats;
import static dev.tpb.testing.Models.fp32;
import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.testing.Models;
import dev.tpb.testing.NumpyVenv;
import dev.tpb.testing.Tpb;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's numpy models on Python 3.11, in an execution environment packed by tpb pack-env from a venv with numpy
 * and set with tpb config set-env, as a user would do it.
 */
class NumpyModelsTest {
    @TempDir
    static Path repo;
    static ModelManager manager;

    @BeforeAll
    static void load() {
        Path venv = NumpyVenv.get();
        Models.copy(repo, "add_sub_np", "non_contiguous", "string_np", "dlpack_identity", "model_env");
        Path archive = repo.resolve("add_sub_np/numpy-env.tar.gz");
        Tpb packed = Tpb.run("pack-env", "--prefix", venv.toString(), "-o", archive.toString(), "-q");
        assertEquals(0, packed.exitCode(), packed::toString);
        for (String model : List.of("add_sub_np", "non_contiguous", "string_np", "dlpack_identity", "model_env")) {
            Path target = model.equals("add_sub_np") ? archive : venv; // one packed archive, one venv used in place
            Tpb set = Tpb.run("config", "set-env", repo.resolve(model).toString(), target.toString(), "-q");
            assertEquals(0, set.exitCode(), set::toString);
        }
        manager = Models.manager(repo);
        for (ModelStatus s : manager.loadAll(List.of())) {
            assertEquals(ModelState.READY, s.state(), s::toString);
        }
    }

    @AfterAll
    static void close() {
        manager.close();
        assertEquals(List.of(), Models.shmRegions());
    }

    private static String realPath(Path p) {
        try {
            return p.toRealPath().toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static InferResult infer(String model, InferRequest request) {
        return manager.model(model).orElseThrow().submit(request).join();
    }

    @Test
    void addSubWithNumpyFromAPackedEnvironment() {
        try (InferResult r = infer("add_sub_np", request(fp32("INPUT0", new long[] {4}, 1, 2, 3, 4),
                fp32("INPUT1", new long[] {4}, 0.5f, 0.5f, 0.5f, 0.5f)))) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f, 4.5f}, floats(output(r, "OUTPUT0")));
            assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, floats(output(r, "OUTPUT1")));
        }
        Path prefix = Path.of(manager.model("add_sub_np").orElseThrow().stubs().get(0).hello().prefix());
        assertTrue(prefix.startsWith(Models.options(Allocator.SYSTEM, ActivationMode.direct).cacheDir()),
                "the stub runs in the extracted archive: " + prefix);
    }

    @Test
    void nonContiguousOutputsAreSentRowMajor() {
        try (InferResult r = infer("non_contiguous", request(fp32("INPUT0", new long[] {2, 3}, 1, 2, 3, 4, 5, 6)))) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, floats(output(r, "TRANSPOSED")));
            assertArrayEquals(new long[] {3, 2}, output(r, "TRANSPOSED").shape());
            assertArrayEquals(new float[] {1, 3, 4, 6}, floats(output(r, "STRIDED")));
        }
    }

    @Test
    void bytesTensorsAsNumpyObjectAndFixedWidthArrays() {
        try (InferResult r = infer("string_np", request(Models.bytes("INPUT0", "abc", "", "dé")))) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            assertEquals(List.of("abc", "", "dé"), Models.strings(output(r, "OUTPUT0")));
            // numpy's fixed-width bytes_ drop trailing NULs; the empty element stays empty
            assertEquals(List.of("abc", "", "dé"), Models.strings(output(r, "FIXED")));
        }
    }

    @Test
    void dlpackIdentityOnCpu() {
        try (InferResult r = infer("dlpack_identity", request(fp32("INPUT0", new long[] {3}, 7, 8, 9)))) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            assertArrayEquals(new float[] {7, 8, 9}, floats(output(r, "OUTPUT0")));
        }
    }

    @Test
    void aVenvUsedInPlaceIsTheStubsPrefix() {
        try (InferResult r = infer("model_env", request(Models.bytes("NAME", "sys.prefix")))) {
            assertEquals(realPath(NumpyVenv.get()), Models.strings(output(r, "VALUE")).get(0));
        }
        try (InferResult r = infer("model_env", request(Models.bytes("NAME", "VIRTUAL_ENV")))) {
            assertEquals(realPath(NumpyVenv.get()), Models.strings(output(r, "VALUE")).get(0));
        }
    }
}
