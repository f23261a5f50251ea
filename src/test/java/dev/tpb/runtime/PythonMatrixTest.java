package dev.tpb.runtime;

import static dev.tpb.testing.Models.floats;
import static dev.tpb.testing.Models.fp32;
import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.python.PythonInstall;
import dev.tpb.stub.StubBuilder;
import dev.tpb.testing.Models;
import dev.tpb.testing.Pythons;
import dev.tpb.testing.TestStubs;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A stub built for every Python >= 3.8 on the machine runs the numpy-free add_sub model. */
class PythonMatrixTest {
    static Stream<PythonInstall> pythons() {
        return Pythons.stubCapable().stream();
    }

    @ParameterizedTest(name = "Python {0}")
    @MethodSource("pythons")
    void addSubOnEveryPython(PythonInstall python, @TempDir Path repo) {
        TestStubs.forPython(python);
        Models.copy(repo, "add_sub", "model_env");
        String backend = StubBuilder.backendName(python);
        Models.useBackend(repo.resolve("add_sub"), backend);
        Models.useBackend(repo.resolve("model_env"), backend);
        try (ModelManager manager = Models.manager(repo)) {
            List<ModelStatus> statuses = manager.loadAll(List.of());
            statuses.forEach(s -> assertEquals(ModelState.READY, s.state(), s::toString));
            LoadedModel model = manager.model("add_sub").orElseThrow();
            assertTrue(model.stubs().get(0).hello().python().startsWith(python.version().minorString() + "."),
                    model.stubs().get(0).hello()::toString);
            try (InferResult r = model.submit(request(fp32("INPUT0", new long[] {4}, 1, 2, 3, 4),
                    fp32("INPUT1", new long[] {4}, 4, 3, 2, 1))).join()) {
                assertTrue(r.error().isEmpty(), () -> r.error().toString());
                assertArrayEquals(new float[] {5, 5, 5, 5}, floats(output(r, "OUTPUT0")));
                assertArrayEquals(new float[] {-3, -1, 1, 3}, floats(output(r, "OUTPUT1")));
            }
            LoadedModel env = manager.model("model_env").orElseThrow();
            try (InferResult r = env.submit(request(Models.bytes("NAME", "PYTHONNOUSERSITE"))).join()) {
                assertEquals("True", Models.strings(output(r, "VALUE")).get(0), "PYTHONNOUSERSITE is set for stubs");
            }
            try (InferResult r = env.submit(request(Models.bytes("NAME", "user_site"))).join()) {
                assertEquals("False", Models.strings(output(r, "VALUE")).get(0), "user site-packages are off");
            }
        }
        assertEquals(List.of(), Models.shmRegions());
    }
}
