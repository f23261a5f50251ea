package dev.tpb.runtime;

import static dev.tpb.testing.Models.fp32;
import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.testing.Models;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dynamic batching gathers concurrent requests into one execute(); two instances share the queue. */
class SchedulingTest {
    @Test
    void concurrentRequestsAreBatchedAndBothInstancesServe(@TempDir Path repo) throws Exception {
        Models.copy(repo, "batch_size");
        try (ModelManager manager = Models.manager(repo)) {
            LoadedModel model = Models.loadOnly(manager, "batch_size");
            assertEquals(List.of("batch_size_0_0", "batch_size_0_1"), model.instanceNames());
            List<CompletableFuture<InferResult>> futures = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                futures.add(model.submit(request(fp32("IN", new long[] {1, 1}, i))));
            }
            int largest = 0;
            Set<String> instances = new HashSet<>();
            ObjectMapper json = new ObjectMapper();
            for (CompletableFuture<InferResult> f : futures) {
                try (InferResult r = f.join()) {
                    assertTrue(r.error().isEmpty(), () -> r.error().toString());
                    largest = Math.max(largest, Models.ints(output(r, "REQUESTS"))[0]);
                    instances.add(json.readTree(r.parametersJson()).get("instance").asText());
                }
            }
            assertTrue(largest > 1, "execute() received more than one request at once");
            assertTrue(largest <= 16, "never more than max_batch_size");
            assertEquals(Set.of("batch_size_0_0", "batch_size_0_1"), instances);
            ModelStats.Snapshot stats = model.stats().snapshot();
            assertEquals(64, stats.inferenceCount());
            assertEquals(64, stats.success().count());
            assertTrue(stats.executionCount() < 64, "fewer executions than requests: " + stats.executionCount());
        }
        assertEquals(List.of(), Models.shmRegions());
    }

    @Test
    void aFullQueueAnswersUnavailable(@TempDir Path repo) {
        Models.copy(repo, "sleeper");
        RuntimeOptions small = new RuntimeOptions(Models.options(Allocator.SYSTEM, ActivationMode.direct).backendsDir(),
                Models.options(Allocator.SYSTEM, ActivationMode.direct).cacheDir(), Allocator.SYSTEM,
                ActivationMode.direct, RuntimeOptions.DEFAULT_SHM_BYTES, RuntimeOptions.DEFAULT_SHM_BYTES, 2);
        try (ModelManager manager = new ModelManager(repo, small, dev.tpb.Reporter.SILENT, StubOutput.DISCARD)) {
            LoadedModel model = Models.loadOnly(manager, "sleeper");
            List<CompletableFuture<InferResult>> futures = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                futures.add(model.submit(request(fp32("SECONDS", new long[] {1}, 0.3f))));
            }
            int refused = 0;
            for (CompletableFuture<InferResult> f : futures) {
                try (InferResult r = f.join()) {
                    if (r.error().isPresent()) {
                        assertEquals(ErrorCode.UNAVAILABLE, r.error().get().code());
                        assertEquals("Exceeds maximum queue size", r.error().get().message());
                        refused++;
                    }
                }
            }
            assertTrue(refused >= 3, "at most one running and two queued: " + refused + " refused");
        }
    }
    @Test
    void theNextRequestRunsWhileTheLastAnswerIsStillBeingWritten(@TempDir Path repo) throws Exception {
        Models.copy(repo, "stamp");
        try (ModelManager manager = Models.manager(repo)) {
            LoadedModel model = Models.loadOnly(manager, "stamp");
            CompletableFuture<InferResult> first = model.submit(request(fp32("SECONDS", new long[] {1}, 0.3f)));
            // Attached while the first request runs, so it runs on the instance's thread when the answer comes, as
            // the HTTP server's writing of a small answer does: a slow client.
            CompletableFuture<Long> written = first.thenApply(r -> {
                r.close();
                sleepMillis(600);
                return epochNanos();
            });
            CompletableFuture<InferResult> second = model.submit(request(fp32("SECONDS", new long[] {1}, 0)));
            long firstWritten = written.get(30, TimeUnit.SECONDS);
            try (InferResult r = second.get(30, TimeUnit.SECONDS)) {
                assertTrue(r.error().isEmpty(), () -> r.error().toString());
                long secondStarted = output(r, "STARTED").data().getLong(0);
                assertTrue(secondStarted < firstWritten - 300_000_000L, "the second request started "
                        + (firstWritten - secondStarted) / 1_000_000 + " ms before the first answer was written out");
            }
        }
    }

    private static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
