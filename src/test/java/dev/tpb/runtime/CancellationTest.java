package dev.tpb.runtime;

import static dev.tpb.testing.Models.bytes;
import static dev.tpb.testing.Models.fp32;
import static dev.tpb.testing.Models.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.testing.Captured;
import dev.tpb.testing.Collect;
import dev.tpb.testing.Models;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cancellation and queue timeouts, with real stubs. Expectations: server docs/user_guide/request_cancellation.md
 * ("On detecting a cancelled request, Triton core responds with CANCELLED status"), core
 * src/dynamic_batch_scheduler.cc (cancelled and timed-out requests are answered without reaching the model: CANCELLED,
 * and UNAVAILABLE "Request timeout expired"), core src/scheduler_utils.cc PolicyQueue::Enqueue (a request's timeout
 * only shortens the policy's default, and only with allow_timeout_override).
 */
class CancellationTest {
    @TempDir
    static Path repo;
    static ModelManager manager;
    static final Captured log = new Captured();

    @BeforeAll
    static void load() {
        Models.copy(repo, "sleeper", "wait_cancel");
        Models.copyTree(repo.resolve("sleeper"), repo.resolve("queue_policy"));
        Models.append(repo.resolve("queue_policy"), "max_batch_size: 4\ndynamic_batching { default_queue_policy { "
                + "timeout_action: REJECT default_timeout_microseconds: 200000 allow_timeout_override: true } }");
        try { // sleeper with a batch dimension: SECONDS is [batch, 1]
            java.nio.file.Files.writeString(repo.resolve("queue_policy/1/model.py"), String.join("\n",
                    "import time",
                    "import triton_python_backend_utils as pb_utils",
                    "class TritonPythonModel:",
                    "    def execute(self, requests):",
                    "        out = []",
                    "        for r in requests:",
                    "            t = pb_utils.get_input_tensor_by_name(r, 'SECONDS')",
                    "            time.sleep(t.as_memoryview().cast('B').cast('f')[0])",
                    "            out.append(pb_utils.InferenceResponse([pb_utils.Tensor('OUT', t.as_memoryview())]))",
                    "        return out", ""));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        manager = new ModelManager(repo, Models.options(Allocator.SYSTEM, ActivationMode.direct), log, log);
        manager.loadAll(List.of()).forEach(s -> assertEquals(ModelState.READY, s.state(), s::toString));
    }

    @AfterAll
    static void close() {
        manager.close();
        assertEquals(List.of(), Models.shmRegions());
    }

    @Test
    void aQueuedRequestCancelledNeverRunsAndGetsCancelled() throws Exception {
        LoadedModel model = manager.model("sleeper").orElseThrow();
        long executions = model.stats().snapshot().executionCount();
        CompletableFuture<InferResult> busy = model.submit(request(fp32("SECONDS", new long[] {1}, 1.0f)));
        FirstResponse queued = new FirstResponse();
        RequestHandle handle = model.submit(request(fp32("SECONDS", new long[] {1}, 0)), queued, null);
        handle.cancel();
        try (InferResult r = queued.future().get(500, TimeUnit.MILLISECONDS)) { // long before the busy one ends
            assertEquals(ErrorCode.CANCELLED, r.error().orElseThrow().code());
            assertEquals(LoadedModel.CANCELLED, r.error().get().message());
        }
        assertFalse(busy.isDone());
        busy.get(10, TimeUnit.SECONDS).close();
        assertEquals(executions + 1, model.stats().snapshot().executionCount(), "the cancelled request never ran");
        assertEquals(0, model.inFlight());
    }

    @Test
    void aRunningRequestSeesItselfCancelled() throws Exception {
        // python_backend README (request cancellation): request.is_cancelled() tells the model; it decides what to do
        LoadedModel model = manager.model("wait_cancel").orElseThrow();
        FirstResponse sink = new FirstResponse();
        RequestHandle handle = model.submit(request(bytes("TAG", "r1")), sink, null);
        log.await(l -> l.contains("request r1 waits for its cancellation"), "the request running");
        assertFalse(sink.future().isDone(), "it waits for its cancellation");
        handle.cancel();
        try (InferResult r = sink.future().get(10, TimeUnit.SECONDS)) {
            assertEquals(ErrorCode.CANCELLED, r.error().orElseThrow().code());
            assertEquals("request r1 cancelled", r.error().get().message());
        }
    }

    @Test
    void theQueuePolicyRejectsRequestsThatWaitedTooLong() throws Exception {
        LoadedModel model = manager.model("queue_policy").orElseThrow();
        CompletableFuture<InferResult> busy = model.submit(new InferRequest("", 0L, 0, 0, "{}",
                List.of(fp32("SECONDS", new long[] {1, 1}, 0.6f)), List.of()));
        Thread.sleep(50); // the first one runs
        CompletableFuture<InferResult> late = model.submit(new InferRequest("", 0L, 0, 0, "{}",
                List.of(fp32("SECONDS", new long[] {1, 1}, 0)), List.of()));
        try (InferResult r = late.get(10, TimeUnit.SECONDS)) {
            assertEquals(ErrorCode.UNAVAILABLE, r.error().orElseThrow().code());
            assertEquals("Request timeout expired", r.error().get().message());
        }
        busy.get(10, TimeUnit.SECONDS).close();
        // A request's own timeout shortens the default (allow_timeout_override); 1 s would not lengthen it
        try (InferResult r = model.submit(new InferRequest("", 0L, 0, 500_000, "{}",
                List.of(fp32("SECONDS", new long[] {1, 1}, 0)), List.of())).get(10, TimeUnit.SECONDS)) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
        }
    }

    @Test
    void aCancelledStreamEndsWithoutMoreResponses() {
        // A decoupled request cancelled before it ran: one CANCELLED answer, and it is complete.
        LoadedModel model = manager.model("sleeper").orElseThrow();
        CompletableFuture<InferResult> busy = model.submit(request(fp32("SECONDS", new long[] {1}, 0.5f)));
        Collect sink = new Collect();
        model.submit(request(fp32("SECONDS", new long[] {1}, 0)), sink, null).cancel();
        List<InferResult> responses = sink.await();
        assertEquals(1, responses.size());
        assertEquals(ErrorCode.CANCELLED, responses.get(0).error().orElseThrow().code());
        busy.join().close();
    }
}
