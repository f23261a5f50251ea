package dev.tpb.runtime;

import static dev.tpb.testing.Models.fp32;
import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.Reporter;
import dev.tpb.stub.BuiltStub;
import dev.tpb.stub.StubBuilder;
import dev.tpb.testing.Models;
import dev.tpb.testing.NumpyVenv;
import dev.tpb.testing.TestStubs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a model finds its stub and its environment, and the errors when it cannot. */
class ModelLoadingTest {
    private static ModelStatus loadOne(Path repo, String model) {
        try (ModelManager manager = Models.manager(repo)) {
            return manager.loadAll(List.of(model)).get(0);
        }
    }

    @Test
    void aStubInTheModelDirectoryWinsAndGetsItsExecBit(@TempDir Path repo) throws Exception {
        BuiltStub built = TestStubs.forVersion("3.10");
        Models.copy(repo, "model_env");
        Path stub = repo.resolve("model_env/triton_python_backend_stub");
        Files.copy(built.stub(), stub);
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rw-r--r--")); // as after a download
        try (ModelManager manager = Models.manager(repo)) {
            StubProcess p = Models.loadOnly(manager, "model_env").stubs().get(0);
            assertTrue(p.hello().python().startsWith("3.10."), p.hello()::toString);
        }
        assertEquals("rwxr--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(stub)),
                "only the owner's exec bit was added");
    }

    @Test
    void aRelativeEnvironmentPathFailsLikeTriton(@TempDir Path repo) {
        Models.copy(repo, "add_sub");
        Models.append(repo.resolve("add_sub"),
                "parameters: { key: \"EXECUTION_ENV_PATH\", value: { string_value: \"no-such-env.tar.gz\" } }");
        ModelStatus s = loadOne(repo, "add_sub");
        assertEquals(ModelState.UNAVAILABLE, s.state());
        assertTrue(s.reason().startsWith("Failed to get the canonical path for no-such-env.tar.gz."), s.reason());
        assertTrue(s.reason().contains("$$TRITON_MODEL_DIRECTORY/no-such-env.tar.gz"), s.reason());
    }

    @Test
    void anEnvironmentWithoutActivateIsRefused(@TempDir Path repo) throws Exception {
        Models.copy(repo, "add_sub");
        Files.createDirectories(repo.resolve("add_sub/env/bin"));
        Models.append(repo.resolve("add_sub"), "parameters: { key: \"EXECUTION_ENV_PATH\", value: "
                + "{ string_value: \"$$TRITON_MODEL_DIRECTORY/env\" } }");
        ModelStatus s = loadOne(repo, "add_sub");
        assertEquals(ModelState.UNAVAILABLE, s.state());
        assertTrue(s.reason().matches("Path .*/add_sub/env/bin/activate does not exist\\. The Python environment should "
                + "contain an 'activate' script\\."), s.reason());
    }

    @Test
    void anEnvironmentOfAnotherPythonIsRefusedNamingBoth(@TempDir Path repo) {
        Path venv = NumpyVenv.get(); // Python 3.11
        TestStubs.forVersion("3.12");
        Models.copy(repo, "add_sub");
        Models.useBackend(repo.resolve("add_sub"), "python_3_12");
        Models.append(repo.resolve("add_sub"), "parameters: { key: \"EXECUTION_ENV_PATH\", value: { string_value: \""
                + venv + "\" } }");
        ModelStatus s = loadOne(repo, "add_sub");
        assertEquals(ModelState.UNAVAILABLE, s.state());
        assertTrue(s.reason().contains("Python 3.12") && s.reason().contains("Python 3.11"), s.reason());
    }

    @Test
    void sourceActivationRunsTheActivateScript(@TempDir Path repo) {
        Path venv = NumpyVenv.get();
        Models.copy(repo, "model_env");
        Models.append(repo.resolve("model_env"), "parameters: { key: \"EXECUTION_ENV_PATH\", value: { string_value: \""
                + venv + "\" } }");
        try (ModelManager manager = new ModelManager(repo, Models.options(Allocator.SYSTEM, ActivationMode.source),
                Reporter.SILENT, StubOutput.DISCARD)) {
            LoadedModel m = Models.loadOnly(manager, "model_env");
            try (InferResult r = m.submit(request(Models.bytes("NAME", "VIRTUAL_ENV"))).join()) {
                // CPython's venv activate script sets VIRTUAL_ENV; in direct mode tpb sets it itself.
                assertTrue(Models.strings(output(r, "VALUE")).get(0).endsWith("venv"), r.outputs()::toString);
            }
            try (InferResult r = m.submit(request(Models.bytes("NAME", "PYTHONNOUSERSITE"))).join()) {
                assertEquals("True", Models.strings(output(r, "VALUE")).get(0));
            }
        }
    }

    @Test
    void aModelWithoutModelPyIsNotAPythonModel(@TempDir Path repo) throws Exception {
        Files.createDirectories(repo.resolve("onnx/1"));
        Files.writeString(repo.resolve("onnx/config.pbtxt"), "platform: \"onnxruntime_onnx\"\n");
        ModelStatus s = loadOne(repo, "onnx");
        assertEquals(ModelState.UNAVAILABLE, s.state());
        assertTrue(s.reason().contains("platform 'onnxruntime_onnx'") && s.reason().contains("Python backend models only"),
                s.reason());
    }

    @Test
    void aNameThatDiffersFromTheDirectoryIsAnError(@TempDir Path repo) throws Exception {
        Models.copy(repo, "add_sub");
        Models.append(repo.resolve("add_sub"), "name: \"other\"");
        ModelStatus s = loadOne(repo, "add_sub");
        assertEquals(ModelState.UNAVAILABLE, s.state());
        assertTrue(s.reason().contains("unexpected directory name 'add_sub' for model 'other'"), s.reason());
    }

    @Test
    void oneBrokenModelDoesNotStopTheOthers(@TempDir Path repo) {
        Models.copy(repo, "add_sub", "init_error");
        try (ModelManager manager = Models.manager(repo)) {
            List<ModelStatus> statuses = manager.loadAll(List.of());
            assertEquals(ModelState.READY, statuses.get(0).state());
            assertEquals(ModelState.UNAVAILABLE, statuses.get(1).state());
            try (InferResult r = manager.model("add_sub").orElseThrow().submit(request(
                    fp32("INPUT0", new long[] {4}, 1, 1, 1, 1), fp32("INPUT1", new long[] {4}, 1, 1, 1, 1))).join()) {
                assertTrue(r.error().isEmpty());
            }
            assertEquals(List.of("add_sub", "init_error"), manager.index().stream().map(ModelStatus::name).toList());
        }
    }

    @Test
    void tooMuchSharedMemoryIsACleanError(@TempDir Path repo) {
        Models.copy(repo, "add_sub");
        RuntimeOptions huge = new RuntimeOptions(TestStubs.backendsDir(), TestStubs.cacheDir(), Allocator.SYSTEM,
                ActivationMode.direct, 1L << 50, RuntimeOptions.DEFAULT_SHM_BYTES, 16);
        try (ModelManager manager = new ModelManager(repo, huge, Reporter.SILENT, StubOutput.DISCARD)) {
            ModelStatus s = manager.loadAll(List.of()).get(0);
            assertEquals(ModelState.UNAVAILABLE, s.state());
            assertTrue(s.reason().startsWith("Unable to initialize shared memory key 'tpb_add_sub_"), s.reason());
            assertTrue(s.reason().contains("--shm-size") && s.reason().contains("/dev/shm"), s.reason());
        }
        assertEquals(List.of(), Models.shmRegions());
    }

    @Test
    void stubBackendDirectoryNameIsPerPythonVersion() {
        assertEquals("python_3_10", StubBuilder.backendName(dev.tpb.testing.Pythons.get("3.10")));
    }
}
