package dev.tpb.runtime;

import static dev.tpb.testing.Models.floats;
import static dev.tpb.testing.Models.fp32;
import static dev.tpb.testing.Models.int32;
import static dev.tpb.testing.Models.ints;
import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.Reporter;
import dev.tpb.testing.Models;
import dev.tpb.testing.TestStubs;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * auto_complete_config and Python-based backends. Expectations: python_backend src/python_be.cc (ModelState::Create
 * runs auto_complete_config on every load unless auto-complete is disabled, whatever config.pbtxt holds), core
 * model_repository_manager.cc (without auto-completion a missing config.pbtxt is "failed to open text file for read
 * ..."), backend docs/python_based_backends.md and python_be.cc TRITONBACKEND_Initialize (runtime_modeldir: the backend's
 * directory; its model.py serves the models that name it; args["model_repository"] is still the model's directory).
 */
class AutoCompleteAndBackendsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path resource(String name) {
        try {
            return Path.of(AutoCompleteAndBackendsTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void autoCompleteRunsForEveryModelEvenFromABaseClass(@TempDir Path repo) {
        Models.copy(repo, "inherited_complete");
        try (ModelManager manager = Models.manager(repo)) {
            LoadedModel model = Models.loadOnly(manager, "inherited_complete");
            assertEquals(4, model.spec().maxBatchSize());
            assertTrue(model.spec().dynamicBatching().isPresent());
            assertEquals(List.of("inherited_complete_0_0", "inherited_complete_0_1"), model.instanceNames());
            Set<String> served = new HashSet<>();
            for (int i = 0; i < 16; i++) {
                CompletableFuture<InferResult> f = model.submit(new InferRequest("", 0L, 0, 0, "{}",
                        List.of(new InferInput("IN", DataType.INT32, new long[] {1, 1}, int32("IN", i).data())),
                        List.of()));
                try (InferResult r = f.join()) {
                    assertEquals(i, ints(output(r, "OUT"))[0], () -> r.error().toString());
                    served.add(r.parametersJson());
                }
            }
            assertEquals(2, model.stubs().size(), "the stub that ran auto_complete_config serves as an instance");
        }
    }

    @Test
    void withAutoCompleteDisabledTheConfigurationMustBeComplete(@TempDir Path repo) {
        Models.copy(repo, "auto_complete", "inherited_complete");
        RuntimeOptions options = Models.options(Allocator.SYSTEM, ActivationMode.direct).withAutoComplete(false);
        try (ModelManager manager = new ModelManager(repo, options, Reporter.SILENT, StubOutput.DISCARD)) {
            Map<String, ModelStatus> statuses = manager.loadAll(List.of()).stream()
                    .collect(Collectors.toMap(ModelStatus::name, s -> s));
            ModelStatus missing = statuses.get("auto_complete");
            assertEquals(ModelState.UNAVAILABLE, missing.state());
            assertEquals("failed to open text file for read " + repo.resolve("auto_complete/config.pbtxt").toAbsolutePath()
                    + ": No such file or directory", missing.reason());
            assertEquals(ModelState.READY, statuses.get("inherited_complete").state());
            assertTrue(manager.model("inherited_complete").orElseThrow().spec().inputs().isEmpty(),
                    "auto_complete_config did not run");
        }
    }

    @Test
    void aPythonBasedBackendServesTheModelsThatNameIt(@TempDir Path work) throws Exception {
        Path backends = work.resolve("backends");
        Models.copyTree(resource("python-backends"), backends);
        Path repo = work.resolve("models");
        Models.copyTree(resource("python-backend-models"), repo);
        RuntimeOptions options = new RuntimeOptions(backends, TestStubs.cacheDir(), Allocator.SYSTEM,
                ActivationMode.direct, RuntimeOptions.DEFAULT_SHM_BYTES, RuntimeOptions.DEFAULT_SHM_BYTES, 64);
        try (ModelManager manager = new ModelManager(repo, options, Reporter.SILENT, (s, l) -> System.err.println(l))) {
            manager.loadAll(List.of()).forEach(s -> assertEquals(ModelState.READY, s.state(), s::toString));
            for (String[] m : new String[][] {{"double", "2"}, {"triple", "3"}}) {
                float k = Float.parseFloat(m[1]);
                try (InferResult r = manager.model(m[0]).orElseThrow().submit(request(fp32("X", new long[] {2}, 1, 2)))
                        .join()) {
                    assertTrue(r.error().isEmpty(), () -> r.error().toString());
                    assertArrayEquals(new float[] {k + k, 2 * k + k}, floats(output(r, "Y")));
                    JsonNode p = JSON.readTree(r.parametersJson());
                    assertEquals(repo.resolve(m[0]).toAbsolutePath().normalize().toString(), p.path("repository").asText());
                    assertEquals(repo.resolve(m[0]).resolve("1").toAbsolutePath().normalize().toString(),
                            p.path("model_dir").asText());
                }
            }
        }
    }
}
