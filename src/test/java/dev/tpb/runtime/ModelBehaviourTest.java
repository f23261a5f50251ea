package dev.tpb.runtime;

import static dev.tpb.testing.Models.bytes;
import static dev.tpb.testing.Models.floats;
import static dev.tpb.testing.Models.fp32;
import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.request;
import static dev.tpb.testing.Models.strings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.testing.Models;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's numpy-free QA behaviours, on one repository loaded once. Models use backend "python": tpb builds
 * the stub on demand for the newest Python found (the path a plain Triton repository takes).
 */
class ModelBehaviourTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path repo;
    static ModelManager manager;
    static Map<String, ModelStatus> loaded = new java.util.HashMap<>();

    @BeforeAll
    static void load() {
        Models.copy(repo, "add_sub", "init_args", "init_error", "fini_error", "wrong_model", "execute_error",
                "execute_return_error", "error_code", "string_identity", "identity_fp32", "enum_names", "optional",
                "multi_file", "auto_complete", "response_parameters", "keeper");
        manager = Models.manager(repo);
        for (ModelStatus s : manager.loadAll(List.of())) {
            loaded.put(s.name(), s);
        }
    }

    @AfterAll
    static void close() {
        manager.close();
        assertEquals(List.of(), Models.shmRegions(), "every region is removed at shutdown");
    }

    private static LoadedModel model(String name) {
        assertEquals(ModelState.READY, loaded.get(name).state(), () -> name + ": " + loaded.get(name).reason());
        return manager.model(name).orElseThrow();
    }

    private static InferResult infer(String model, InferRequest request) {
        return model(model).submit(request).join();
    }

    @Test
    void addSub() {
        try (InferResult r = infer("add_sub", request(fp32("INPUT0", new long[] {4}, 1, 2, 3, 4),
                fp32("INPUT1", new long[] {4}, 10, 20, 30, 40)))) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            assertArrayEquals(new float[] {11, 22, 33, 44}, floats(output(r, "OUTPUT0")));
            assertArrayEquals(new float[] {-9, -18, -27, -36}, floats(output(r, "OUTPUT1")));
            assertArrayEquals(new long[] {4}, output(r, "OUTPUT0").shape());
        }
    }

    @Test
    void initializeReceivesTritonsSevenArguments() throws Exception {
        try (InferResult r = infer("init_args", request(fp32("IN", new long[] {1}, 0)))) {
            JsonNode args = JSON.readTree(strings(output(r, "ARGS")).get(0));
            assertEquals(7, args.size(), args::toString);
            assertEquals("init_args", args.get("model_name").asText());
            assertEquals("init_args_0_0", args.get("model_instance_name").asText());
            assertEquals("CPU", args.get("model_instance_kind").asText());
            assertEquals("0", args.get("model_instance_device_id").asText());
            assertEquals("1", args.get("model_version").asText());
            assertEquals(repo.resolve("init_args").toAbsolutePath().normalize().toString(),
                    args.get("model_repository").asText());
            JsonNode config = JSON.readTree(args.get("model_config").asText());
            assertEquals("init_args", config.get("name").asText());
            assertEquals("TYPE_STRING", config.get("output").get(0).get("data_type").asText());
            assertEquals("init_args_0", config.get("instance_group").get(0).get("name").asText());
        }
    }

    @Test
    void anErrorInInitializeFailsTheLoadWithThePythonError() {
        ModelStatus s = loaded.get("init_error");
        assertEquals(ModelState.UNAVAILABLE, s.state());
        assertTrue(s.reason().contains("NameError: name 'lorem_ipsum' is not defined"), s.reason());
        assertTrue(s.reason().contains("(3): initialize"), s.reason());
        assertTrue(manager.model("init_error").isEmpty());
    }

    @Test
    void anErrorInExecuteFailsEveryRequestWithTritonsWording() {
        try (InferResult r = infer("wrong_model", request(fp32("IN", new long[] {1}, 1)))) {
            String message = r.error().orElseThrow().message();
            assertTrue(message.startsWith("Failed to process the request(s) for model 'wrong_model_0_0', message: "
                    + "NameError: name 'undefined_variable' is not defined"), message);
            assertEquals(ErrorCode.INTERNAL, r.error().get().code());
        }
    }

    @Test
    void responsesWithErrorsAndWithoutInOneBatch() {
        List<CompletableFuture<InferResult>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            futures.add(model("execute_error").submit(request(fp32("IN", new long[] {1, 1}, i))));
        }
        int errors = 0;
        for (CompletableFuture<InferResult> f : futures) {
            try (InferResult r = f.join()) {
                if (r.error().isPresent()) {
                    assertEquals("An Error Occurred", r.error().get().message());
                    errors++;
                }
            }
        }
        assertEquals(2, errors, "responses 0 and 2 of the batch of three carry errors");
    }

    @Test
    void wrongReturnValuesGetTritonsMessages() {
        // pb_stub.cc Stub::ProcessReturnedResponses: types are printed as pybind11's str() of the type. Returning
        // None, or None for a request, is allowed since r24.06 (the request answers through its response sender);
        // one that never does gets no answer in Triton, and tpb's error when the model lets go of the request.
        String released = "the model released the request without sending a response";
        Map<String, String> expected = Map.of(
                "none", released,
                "string", "Expected a list in the execute return, found type '<class 'str'>'.",
                "list_of_none", released,
                "too_many", "Number of InferenceResponse objects do not match the number of InferenceRequest objects. "
                        + "InferenceRequest(s) size is:1, and InferenceResponse(s) size is:2");
        expected.forEach((mode, text) -> {
            try (InferResult r = infer("execute_return_error", request(bytes("MODE", mode)))) {
                String message = r.error().orElseThrow().message();
                assertTrue(message.startsWith("Failed to process the request(s) for model 'execute_return_error_0_0', "
                        + "message: "), message);
                assertTrue(message.contains(text), mode + ": " + message);
            }
        });
    }

    @Test
    void tritonErrorCodesReachTheCaller() {
        for (ErrorCode code : ErrorCode.values()) {
            try (InferResult r = infer("error_code", request(bytes("ERROR_CODE", code.name())))) {
                assertEquals(code, r.error().orElseThrow().code());
                assertEquals("error code: " + code.name(), r.error().get().message());
            }
        }
    }

    @Test
    void bytesTensorsRoundTripWithEmptyAndNonUtf8Elements() {
        byte[] binary = {(byte) 0xff, 0, (byte) 0xfe};
        InferInput in = Models.bytesRaw("INPUT0", List.of("hello".getBytes(StandardCharsets.UTF_8), new byte[0], binary));
        try (InferResult r = infer("string_identity", request(in))) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            InferOutput out = output(r, "OUTPUT0");
            byte[] raw = new byte[out.data().remaining()];
            out.data().duplicate().get(raw);
            byte[] expected = new byte[in.data().remaining()];
            in.data().duplicate().get(expected);
            assertArrayEquals(expected, raw, "identical BYTES serialization");
            assertEquals("HELLO", strings(output(r, "UPPER")).get(0));
            assertEquals("", strings(output(r, "UPPER")).get(1));
        }
    }

    @Test
    void anOutputThatIsTheInputIsSentWithoutACopy() {
        try (InferResult r = infer("identity_fp32", request(fp32("INPUT0", new long[] {3}, 1.5f, 2.5f, 3.5f)))) {
            assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f}, floats(output(r, "OUTPUT0")));
        }
    }

    @Test
    void anOutputNamedByAStrSubclassIsAnswered() {
        try (InferResult r = infer("enum_names", request(fp32("INPUT0", new long[] {2}, 1, 2)))) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            assertArrayEquals(new float[] {1, 2}, floats(output(r, "OUTPUT0")));
        }
    }

    @Test
    void absentOptionalInputsAreNone() {
        // Each result is closed before the next request: the instance reuses its shared memory after that.
        assertEquals(511, firstInt("optional", request(Models.int32("INPUT0", 2), Models.int32("INPUT1", 3))));
        assertEquals(210, firstInt("optional", request(Models.int32("INPUT0", 2))));
        assertEquals(0, firstInt("optional", request()));
    }

    private static int firstInt(String model, InferRequest request) {
        try (InferResult r = infer(model, request)) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            return Models.ints(output(r, "OUTPUT0"))[0];
        }
    }

    @Test
    void siblingAndRelativeImportsWork() {
        try (InferResult r = infer("multi_file", request(fp32("IN", new long[] {1}, 0)))) {
            assertEquals("file1+file2@1.model", strings(output(r, "OUT")).get(0));
        }
    }

    @Test
    void autoCompleteConfigDescribesAModelWithoutConfigPbtxt() {
        LoadedModel m = model("auto_complete");
        assertEquals("INPUT0", m.spec().inputs().get(0).name());
        assertEquals(DataType.FP32, m.spec().outputs().get(0).datatype());
        assertEquals("python", m.spec().backend());
        try (InferResult r = infer("auto_complete", request(fp32("INPUT0", new long[] {4}, 1, 2, 3, 4)))) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, floats(output(r, "OUTPUT0")));
        }
    }

    @Test
    void requestAndResponseParameters() throws Exception {
        InferRequest request = new InferRequest("id-7", 0L, 0, 0, "{\"greeting\":\"hi\"}",
                List.of(fp32("IN", new long[] {1}, 1)), List.of());
        try (InferResult r = infer("response_parameters", request)) {
            assertEquals("id-7", r.id());
            JsonNode p = JSON.readTree(r.parametersJson());
            assertEquals("hi", p.get("echo").asText());
            assertEquals(3, p.get("count").asInt());
            assertTrue(p.get("flag").asBoolean());
        }
    }

    @Test
    void requestedOutputsArePruned() {
        InferRequest request = new InferRequest("", 0L, 0, 0, "{}", List.of(fp32("INPUT0", new long[] {4}, 1, 2, 3, 4),
                fp32("INPUT1", new long[] {4}, 1, 1, 1, 1)), List.of("OUTPUT1"));
        try (InferResult r = infer("add_sub", request)) {
            assertEquals(1, r.outputs().size());
            assertArrayEquals(new float[] {0, 1, 2, 3}, floats(output(r, "OUTPUT1")));
        }
    }

    @Test
    void tensorsAModelKeepsAreNotOverwritten() {
        try (InferResult first = infer("keeper", request(fp32("IN", new long[] {3}, 1, 2, 3)))) {
            assertArrayEquals(new float[] {1, 2, 3}, floats(output(first, "KEPT")));
        }
        for (int i = 0; i < 5; i++) {
            float v = 10 * (i + 1);
            try (InferResult r = infer("keeper", request(fp32("IN", new long[] {3}, v, v, v)))) {
                float p = i == 0 ? 1 : 10 * i;
                assertArrayEquals(i == 0 ? new float[] {1, 2, 3} : new float[] {p, p, p}, floats(output(r, "KEPT")),
                        "the kept view of the previous request still holds its values");
            }
        }
    }

    @Test
    void finalizeErrorsDoNotStopUnloading() {
        LoadedModel m = model("fini_error");
        List<String> errors = m.unload(5_000);
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).contains("NameError: name 'undefined_in_finalize' is not defined"), errors::toString);
        assertFalse(m.stubs().get(0).alive());
        assertFalse(m.stubs().get(0).regionExists());
    }
}
