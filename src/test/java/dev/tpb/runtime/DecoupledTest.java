package dev.tpb.runtime;

import static dev.tpb.testing.Models.bytes;
import static dev.tpb.testing.Models.int32;
import static dev.tpb.testing.Models.ints;
import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.python.PythonInstall;
import dev.tpb.stub.StubBuilder;
import dev.tpb.testing.Captured;
import dev.tpb.testing.Collect;
import dev.tpb.testing.Models;
import dev.tpb.testing.Pythons;
import dev.tpb.testing.TestStubs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decoupled models and response senders, with real stubs (no numpy). Expectations come from python_backend's
 * src/response_sender.cc (the checks of send()), src/pb_stub.cc (Stub::ProcessReturnedResponses, the error path of
 * Stub::ProcessRequests), src/python_be.cc (TRITONBACKEND_ModelInstanceExecute answers every request still open with
 * the error) and server/docs/user_guide/decoupled_models.md.
 */
class DecoupledTest {
    @TempDir
    static Path repo;
    static ModelManager manager;
    static final Captured log = new Captured();

    @BeforeAll
    static void load() {
        Models.copy(repo, "repeat", "sender_rules", "nondecoupled_sender", "decoupled_error", "abandon",
                "async_decoupled");
        manager = new ModelManager(repo, Models.options(Allocator.SYSTEM, ActivationMode.direct), log, log);
        manager.loadAll(List.of()).forEach(s -> assertEquals(ModelState.READY, s.state(), s::toString));
    }

    @AfterAll
    static void close() {
        manager.close();
        assertEquals(List.of(), Models.shmRegions(), "every region is removed at shutdown");
    }

    private static List<InferResult> stream(String model, InferRequest request) {
        Collect sink = new Collect();
        manager.model(model).orElseThrow().submit(request, sink, null);
        return sink.await();
    }

    private static InferRequest request(InferInput... inputs) {
        return Models.request(inputs);
    }

    private static List<String> texts(List<InferResult> responses) {
        List<String> out = new ArrayList<>();
        for (InferResult r : responses) {
            out.add(r.error().map(e -> "error: " + e.message()).orElseGet(() -> strings(output(r, "TEXT")).get(0)));
            r.close();
        }
        return out;
    }

    /** repeat's OUT and IDX values, in the order the responses came. */
    private static List<String> repeated(List<InferResult> responses) {
        List<String> out = new ArrayList<>();
        for (InferResult r : responses) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
            out.add(ints(output(r, "OUT"))[0] + "@" + ints(output(r, "IDX"))[0]);
            r.close();
        }
        return out;
    }

    @Test
    void everyResponseThenTheFinalFlag() {
        // decoupled_models.md: "An inference request is considered complete when a response containing the
        // TRITONSERVER_RESPONSE_COMPLETE_FINAL flag is received" -- here the flag comes alone, after the responses.
        assertEquals(List.of("5@0", "6@1", "7@2"), repeated(stream("repeat", request(int32("IN", 5, 6, 7)))));
        // The flag with the last response works the same way.
        assertEquals(List.of("1@0", "2@1"), repeated(stream("repeat", request(int32("IN", 1, 2),
                bytes("MODE", "with_final")))));
        // Zero responses: decoupled models may send none ("or zero responses for a request").
        assertEquals(List.of(), stream("repeat", request(new InferInput("IN", DataType.INT32, new long[] {0},
                java.nio.ByteBuffer.allocate(0)))));
    }

    @Test
    void responsesFromAThreadAfterExecuteReturned() {
        // python_backend README, decoupled mode: "main caller thread can exit from execute function and the model can
        // still continue generating responses as long as it holds InferenceResponseSender object".
        Collect first = new Collect();
        Collect second = new Collect();
        LoadedModel model = manager.model("repeat").orElseThrow();
        model.submit(request(int32("IN", 1, 2, 3), Models.fp32("DELAY", new long[] {1}, 0.05f), bytes("MODE", "thread")),
                first, null);
        model.submit(request(int32("IN", 9), bytes("MODE", "thread")), second, null);
        // the second request (one instance) runs while the first one's thread still answers
        assertEquals(List.of("9@0"), repeated(second.await()));
        assertEquals(List.of("1@0", "2@1", "3@2"), repeated(first.await()));
    }

    @Test
    void sendersRefuseMisuseInTritonsWords() {
        // response_sender.cc, in the order Triton checks: flags, response for flags 0, closed.
        assertEquals(List.of("TritonModelException: Unable to send response. Unsupported flag provided."),
                texts(stream("sender_rules", request(bytes("CASE", "bad_flag")))));
        assertEquals(List.of("TritonModelException: Inference Response object must be provided when the response "
                + "flags is set to zero."), texts(stream("sender_rules", request(bytes("CASE", "none_without_final")))));
        assertEquals(List.of("TypeError"), texts(stream("sender_rules", request(bytes("CASE", "wrong_type")))).stream()
                .map(t -> t.substring(0, t.indexOf(':'))).toList());
        assertEquals(List.of("True"), texts(stream("sender_rules", request(bytes("CASE", "same_sender")))),
                "get_response_sender() returns the same sender each time");
        assertEquals(List.of("first"), texts(stream("sender_rules", request(bytes("CASE", "after_final")))));
        assertEquals(List.of("TritonModelException: Unable to send response. Response sender has been closed."),
                texts(stream("sender_rules", request(bytes("CASE", "report")))));
        assertEquals(List.of("only"), texts(stream("sender_rules", request(bytes("CASE", "final_twice")))));
        assertEquals(List.of("TritonModelException: Unable to send response. Response sender has been closed."),
                texts(stream("sender_rules", request(bytes("CASE", "report")))));
    }

    private static String nonDecoupled(String mode) {
        try (InferResult r = manager.model("nondecoupled_sender").orElseThrow()
                .submit(Models.request(batched(bytes("MODE", mode)))).join()) {
            return r.error().map(e -> "error: " + e.message()).orElseGet(() -> strings(output(r, "TEXT")).get(0));
        }
    }

    private static InferInput batched(InferInput in) {
        return new InferInput(in.name(), in.datatype(), new long[] {1, 1}, in.data());
    }

    @Test
    void nonDecoupledModelsAnswerOnceReturnedOrSent() {
        // python_backend README (r24.06): a model in default mode "must send exactly one response per request. The
        // TRITONSERVER_RESPONSE_COMPLETE_FINAL flag must be sent either with the response or as a flag only response".
        assertEquals("returned", nonDecoupled("return"));
        assertEquals("sent", nonDecoupled("send"));
        assertEquals("sent", nonDecoupled("send_then_flag"));
        assertEquals("from a thread", nonDecoupled("thread"));
        assertEquals("first", nonDecoupled("send_twice"));
        log.await(l -> l.contains("second send: Unable to send response. Non-decoupled model cannot send more than "
                + "one response."), "with the refusal of the second send");
        assertEquals("Unable to send response. Non-decoupled model cannot send complete final before sending a "
                + "response.", nonDecoupled("final_first"));
        // A response returned for a request that already sent one: pb_stub.cc raises, the error is logged, and the
        // response already sent is the one the client gets.
        assertEquals("sent", nonDecoupled("send_and_return"));
        log.await(l -> l.contains("Failed to process the request(s) for model 'nondecoupled_sender_0_0', message: "
                + "TritonModelException: Unable to send response. Non-decoupled model cannot send more than one "
                + "response."), "with the error of returning a second response");
    }

    @Test
    void aBatchMayMixSentAndReturnedAnswers() {
        // python_be.cc ProcessRequests: "some of the responses are None due to the usage of response sender".
        LoadedModel model = manager.model("nondecoupled_sender").orElseThrow();
        long executionsBefore = model.stats().snapshot().executionCount();
        var a = model.submit(Models.request(batched(bytes("MODE", "return"))));
        var b = model.submit(Models.request(batched(bytes("MODE", "send"))));
        var c = model.submit(Models.request(batched(bytes("MODE", "thread"))));
        List<String> answers = new ArrayList<>();
        for (var f : List.of(a, b, c)) {
            try (InferResult r = f.join()) {
                assertTrue(r.error().isEmpty(), () -> r.error().toString());
                answers.add(strings(output(r, "TEXT")).get(0));
            }
        }
        assertEquals(List.of("returned", "sent", "from a thread"), answers);
        assertEquals(executionsBefore + 1, model.stats().snapshot().executionCount(), "one execute for the three");
    }

    @Test
    void anErrorInExecuteReachesEveryRequestStillOpen() {
        // pb_stub.cc ProcessRequests closes every sender; python_be.cc answers the requests not yet closed with the
        // error and the final flag.
        LoadedModel model = manager.model("decoupled_error").orElseThrow();
        Collect first = new Collect();
        Collect second = new Collect();
        model.submit(Models.request(new InferInput("IN", DataType.INT32, new long[] {1, 1}, int32("IN", 4).data())),
                first, null);
        model.submit(Models.request(new InferInput("IN", DataType.INT32, new long[] {1, 1}, int32("IN", 8).data())),
                second, null);
        List<InferResult> a = first.await();
        List<InferResult> b = second.await();
        assertEquals(1, a.size());
        assertEquals(1, b.size());
        assertEquals(4, ints(output(a.get(0), "OUT"))[0], "the request answered before the error keeps its answer");
        String error = b.get(0).error().orElseThrow().message();
        assertTrue(error.startsWith("Failed to process the request(s) for model 'decoupled_error_0_0', message: "
                + "ValueError: decoupled execute failed after 2 request(s)"), error);
        assertEquals(ErrorCode.INTERNAL, b.get(0).error().get().code());
        a.forEach(InferResult::close);
        b.forEach(InferResult::close);
    }

    @Test
    void aRequestLetGoWithoutItsFinalFlagIsCompleted() {
        // Triton deletes the response factory and never completes such a request (response_sender.cc,
        // DeleteResponseFactory); tpb completes it and says what went wrong.
        List<InferResult> responses = stream("abandon", request(int32("IN", 3)));
        assertEquals(1, responses.size());
        assertEquals(3, ints(output(responses.get(0), "OUT"))[0]);
        responses.forEach(InferResult::close);
        log.await(l -> l.contains("model 'abandon' released a request without sending its final response"),
                "warning about the missing final flag");
    }

    @Test
    void asyncExecuteAnswersRequestsConcurrently() {
        // python_backend README: "async def execute(self, requests):" is supported for decoupled models (r24.04);
        // pb_stub.cc runs such a coroutine in the background (RunCoroutine(..., in_background=true)).
        LoadedModel model = manager.model("async_decoupled").orElseThrow();
        List<Collect> sinks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Collect sink = new Collect();
            model.submit(request(int32("COUNT", 5)), sink, null);
            sinks.add(sink);
        }
        for (Collect sink : sinks) {
            List<InferResult> responses = sink.await();
            List<Integer> values = new ArrayList<>();
            for (InferResult r : responses) {
                values.add(ints(output(r, "OUT"))[0]);
                r.close();
            }
            assertEquals(List.of(0, 1, 2, 3, 4), values);
        }
    }

    static Stream<PythonInstall> pythons() {
        return Pythons.stubCapable().stream();
    }

    @ParameterizedTest(name = "Python {0}")
    @MethodSource("pythons")
    void decoupledOnEveryPython(PythonInstall python, @TempDir Path other) {
        TestStubs.forPython(python);
        Models.copy(other, "repeat");
        Models.useBackend(other.resolve("repeat"), StubBuilder.backendName(python));
        try (ModelManager m = Models.manager(other)) {
            LoadedModel model = Models.loadOnly(m, "repeat");
            Collect sink = new Collect();
            model.submit(request(int32("IN", 4, 2), bytes("MODE", "thread")), sink, null);
            assertEquals(List.of("4@0", "2@1"), repeated(sink.await()));
        }
    }
}
