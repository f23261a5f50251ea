package dev.tpb.runtime;

import static dev.tpb.testing.Models.bytes;
import static dev.tpb.testing.Models.floats;
import static dev.tpb.testing.Models.fp32;
import static dev.tpb.testing.Models.int32;
import static dev.tpb.testing.Models.ints;
import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.strings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.python.PythonInstall;
import dev.tpb.stub.StubBuilder;
import dev.tpb.testing.Captured;
import dev.tpb.testing.Models;
import dev.tpb.testing.Pythons;
import dev.tpb.testing.TestStubs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Business logic scripting with real stubs: a model calling the models of the same server. Expectations come from
 * python_backend's README ("Business Logic Scripting"), src/request_executor.cc (RequestExecutor::Infer: what is
 * checked before the request runs, and the "Model <name> - Error when running inference: " prefix of those errors),
 * src/infer_request.cc (the constructor's checks; BLS only in execute) and src/pb_response_iterator.cc.
 */
class BlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path repo;
    static ModelManager manager;
    static final Captured log = new Captured();
    static final Map<String, ModelStatus> statuses = new HashMap<>();

    @BeforeAll
    static void load() {
        Models.copy(repo, "bls", "bls_self", "bls_init", "bls_async", "add_sub", "repeat", "wrong_model", "cancellable");
        manager = new ModelManager(repo, Models.options(Allocator.SYSTEM, ActivationMode.direct), log, log);
        manager.loadAll(List.of()).forEach(s -> statuses.put(s.name(), s));
    }

    @AfterAll
    static void close() {
        manager.close();
        assertEquals(List.of(), Models.shmRegions(), "every region is removed at shutdown");
    }

    private static LoadedModel model(String name) {
        assertEquals(ModelState.READY, statuses.get(name).state(), () -> statuses.get(name).toString());
        return manager.model(name).orElseThrow();
    }

    /** Runs a case of the bls model; returns its TEXT (what the BLS calls gave back) and closes the result. */
    private static JsonNode blsCase(String name, InferInput... more) throws Exception {
        List<InferInput> inputs = new ArrayList<>(List.of(bytes("CASE", name)));
        inputs.addAll(List.of(more));
        try (InferResult r = model("bls").submit(new InferRequest("", 0L, 0, 0, "{}", inputs, List.of())).join()) {
            assertTrue(r.error().isEmpty(), () -> name + ": " + r.error());
            return JSON.readTree(strings(output(r, "TEXT")).get(0));
        }
    }

    @Test
    void execRunsAnotherModelAndReturnsItsResponse() throws Exception {
        List<InferInput> inputs = List.of(bytes("CASE", "add"), fp32("A", new long[] {4}, 1, 2, 3, 4),
                fp32("B", new long[] {4}, 10, 20, 30, 40));
        try (InferResult r = model("bls").submit(new InferRequest("", 0L, 0, 0, "{}", inputs, List.of())).join()) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            assertArrayEquals(new float[] {11, 22, 33, 44}, floats(output(r, "SUM")), "the BLS output, passed on");
            JsonNode text = JSON.readTree(strings(output(r, "TEXT")).get(0));
            // requested_output_names: only OUTPUT0 comes back; parameters() is a JSON string
            assertEquals("[11.0,22.0,33.0,44.0]", text.path("OUTPUT0").toString());
            assertTrue(text.path("OUTPUT1").isMissingNode(), text::toString);
            assertEquals("{}", text.path("parameters").asText());
        }
        // No requested outputs: every output of the model (core infer_request.cc Normalize)
        JsonNode all = blsCase("add_new");
        assertEquals("[2.0,3.0,4.0,5.0]", all.path("OUTPUT0").toString());
        assertEquals("[0.0,1.0,2.0,3.0]", all.path("OUTPUT1").toString());
    }

    @Test
    void errorsComeBackAsResponsesInTritonsWords() throws Exception {
        // request_executor.cc: a model that is not ready (or unknown) is checked first
        JsonNode unknown = blsCase("unknown_model");
        assertEquals("Model nope - Error when running inference: Failed for execute the inference request. Model "
                + "'nope' is not ready.", unknown.path("error").asText());
        assertEquals(1, unknown.path("code").asInt(), "TritonError.INTERNAL");
        assertEquals("Model repeat - Error when running inference: Model repeat is using the decoupled. The current "
                + "BLS request call doesn't support models using the decoupled transaction policy. Please use "
                + "'decoupled=True' argument to the 'exec' or 'async_exec' calls for decoupled models.'",
                blsCase("decoupled_without_flag").path("error").asText());
        assertEquals("Model add_sub - Error when running inference: inference input 'INPUT0' data-type is 'INT32', "
                + "but model 'add_sub' expects 'FP32'", blsCase("wrong_datatype").path("error").asText());
        assertEquals("Model add_sub - Error when running inference: unexpected inference output 'NOPE' for model "
                + "'add_sub'", blsCase("unknown_output").path("error").asText());
        // An error of the target's execute keeps its own message
        assertTrue(blsCase("model_error").path("error").asText().startsWith("Failed to process the request(s) for "
                + "model 'wrong_model_0_0', message: NameError"));
    }

    @Test
    void theConstructorChecksItsArgumentsAsTritonsDoes() throws Exception {
        JsonNode r = blsCase("arguments");
        assertTrue(r.path("no_model").asText().startsWith("TypeError"), r::toString);
        assertEquals("TritonModelException: Input tensor for request with id '' and model name 'm' should not be "
                + "empty.", r.path("none_input").asText());
        assertEquals("TritonModelException: Requested output name for request with id '' and model name 'm' should "
                + "not be empty.", r.path("empty_output").asText());
        assertEquals("TritonModelException: Correlation ID must be integer or string", r.path("correlation").asText());
        assertEquals("TritonModelException: Expect parameters values to have type bool/int/str, found type "
                + "<class 'float'>", r.path("float_parameter").asText());
    }

    @Test
    void decoupledExecReturnsAnIteratorOverEveryResponse() throws Exception {
        // pb_response_iterator.cc: the final response is yielded too (empty here: the flag alone), and iterating a
        // finished iterator again replays the responses
        JsonNode r = blsCase("iterate");
        assertEquals("[{\"OUT\":[3],\"parameters\":\"{}\"},{\"OUT\":[4],\"parameters\":\"{}\"},"
                + "{\"OUT\":[5],\"parameters\":\"{}\"},{\"parameters\":\"\"}]", r.path("first").toString());
        assertEquals(r.path("first"), r.path("again"));
        // decoupled=True on a model that is not decoupled: one response
        assertEquals(1, blsCase("iterate_plain").size());
    }

    @Test
    void cancellingAnIteratorCancelsTheTargetRequest() throws Exception {
        // README, "Cancelling decoupled BLS requests": cancel() on the iterator; the model sees is_cancelled()
        JsonNode r = blsCase("cancel");
        assertTrue(r.path("count").asInt() >= 3, r::toString);
        assertEquals("{\"parameters\":\"\"}", r.path("last").toString(), "the final flag ends the iteration");
        log.await(l -> l.contains("stream bls ended after") && l.contains("cancelled: True"), "the target cancelled");
    }

    @Test
    void aModelCallingItselfWithOneInstanceDoesNotWaitForItself() {
        // python_backend README, BLS limitations: in Triton "the model will block on the inference execution forever";
        // tpb lets another batch into the stub while it waits on BLS.
        try (InferResult r = model("bls_self").submit(Models.request(int32("DEPTH", 4))).join()) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            assertEquals(4 + 3 + 2 + 1, ints(output(r, "SUM"))[0]);
        }
        // Several at once, each recursing
        List<CompletableFuture<InferResult>> futures = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            futures.add(model("bls_self").submit(Models.request(int32("DEPTH", 3))));
        }
        for (CompletableFuture<InferResult> f : futures) {
            try (InferResult r = f.join()) {
                assertEquals(6, ints(output(r, "SUM"))[0], () -> r.error().toString());
            }
        }
    }

    @Test
    void asyncExecRunsCallsConcurrentlyInAsyncExecute() {
        // README: "inference_request.async_exec allows you to perform async inference requests", awaitable in
        // async def execute; with decoupled=True it gives an iterator
        try (InferResult r = model("bls_async").submit(Models.request(int32("N", 3))).join()) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            assertEquals("{\"sums\": [1.0, 2.0, 3.0], \"streamed\": [7, 8]}", strings(output(r, "TEXT")).get(0));
        }
    }

    @Test
    void blsInInitializeIsRefusedAsInTriton() {
        // infer_request.cc InferRequest::Exec: "BLS is only supported during the 'execute' function." (the model fails
        // to load; Triton's QA test bls_init_error expects the same)
        ModelStatus s = statuses.get("bls_init");
        assertEquals(ModelState.UNAVAILABLE, s.state());
        assertTrue(s.reason().contains("TritonModelException: BLS is only supported during the 'execute' function."),
                s::reason);
    }

    static List<PythonInstall> oldestAndNewest() {
        List<PythonInstall> all = Pythons.stubCapable();
        return List.of(all.get(0), all.get(all.size() - 1));
    }

    @Test
    void modelsOnDifferentPythonsCallEachOther(@TempDir Path other) throws Exception {
        // tpb's reason to be: a model on one Python version calls a model on another, through shared memory
        List<PythonInstall> pythons = oldestAndNewest();
        pythons.forEach(TestStubs::forPython);
        Models.copy(other, "bls", "add_sub");
        Models.useBackend(other.resolve("bls"), StubBuilder.backendName(pythons.get(0)));
        Models.useBackend(other.resolve("add_sub"), StubBuilder.backendName(pythons.get(1)));
        try (ModelManager m = Models.manager(other)) {
            m.loadAll(List.of()).forEach(s -> assertEquals(ModelState.READY, s.state(), s::toString));
            List<InferInput> inputs = List.of(bytes("CASE", "add"), fp32("A", new long[] {4}, 1, 1, 1, 1),
                    fp32("B", new long[] {4}, 2, 2, 2, 2));
            try (InferResult r = m.model("bls").orElseThrow().submit(new InferRequest("", 0L, 0, 0, "{}", inputs,
                    List.of())).join()) {
                assertTrue(r.error().isEmpty(), () -> r.error().toString());
                assertArrayEquals(new float[] {3, 3, 3, 3}, floats(output(r, "SUM")));
            }
            assertTrue(m.model("bls").orElseThrow().stubs().get(0).hello().python()
                    .startsWith(pythons.get(0).version().minorString() + "."));
        }
    }
}
