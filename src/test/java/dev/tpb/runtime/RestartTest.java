package dev.tpb.runtime;

import static dev.tpb.testing.Models.floats;
import static dev.tpb.testing.Models.fp32;
import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.testing.Models;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stub that dies fails its requests with Triton's message, is restarted, and serves again. */
class RestartTest {
    @Test
    void crashInExecuteThenRecovery(@TempDir Path repo) throws Exception {
        Models.copy(repo, "crash");
        try (ModelManager manager = Models.manager(repo)) {
            LoadedModel model = Models.loadOnly(manager, "crash");
            long firstPid = model.stubs().get(0).pid();
            long start = System.nanoTime();
            try (InferResult r = model.submit(request(fp32("IN", new long[] {1}, -1))).get(5, TimeUnit.SECONDS)) {
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(millis < 1000, "the error arrives within 1 s, took " + millis + " ms");
                assertEquals("Failed to process the request(s) for model instance 'crash_0_0', message: Stub process "
                        + "'crash_0_0' is not healthy.", r.error().orElseThrow().message());
            }
            try (InferResult r = model.submit(request(fp32("IN", new long[] {1}, 7))).get(30, TimeUnit.SECONDS)) {
                assertTrue(r.error().isEmpty(), () -> r.error().toString());
                assertArrayEquals(new float[] {7}, floats(output(r, "OUT")));
            }
            assertNotEquals(firstPid, model.stubs().get(0).pid(), "a new stub process serves");
            assertEquals(1, model.restarts());
            assertEquals(1, Models.shmRegions().stream().filter(n -> !n.endsWith(".sock")).count(),
                    "the dead stub's region was removed: " + Models.shmRegions());
        }
        assertEquals(List.of(), Models.shmRegions());
    }

    @Test
    void requestsQueuedBehindACrashAreServedByTheRestartedStub(@TempDir Path repo) throws Exception {
        Models.copy(repo, "crash");
        try (ModelManager manager = Models.manager(repo)) {
            LoadedModel model = Models.loadOnly(manager, "crash");
            // Submitted back to back: while the stub runs the first, the others queue, and the instance sends each
            // next one as soon as the previous result is in (before answering it). The second kills the stub.
            float[] values = {1, -1, 2, 3, 4};
            List<CompletableFuture<InferResult>> futures = new ArrayList<>();
            for (float v : values) {
                futures.add(model.submit(request(fp32("IN", new long[] {1}, v))));
            }
            for (int i = 0; i < values.length; i++) {
                try (InferResult r = futures.get(i).get(30, TimeUnit.SECONDS)) {
                    if (values[i] < 0) {
                        assertEquals("Failed to process the request(s) for model instance 'crash_0_0', message: Stub "
                                + "process 'crash_0_0' is not healthy.", r.error().orElseThrow().message());
                    } else {
                        int at = i;
                        assertTrue(r.error().isEmpty(), () -> "request " + at + ": " + r.error());
                        assertArrayEquals(new float[] {values[i]}, floats(output(r, "OUT")));
                    }
                }
            }
            assertEquals(1, model.restarts());
        }
        assertEquals(List.of(), Models.shmRegions());
    }
}
