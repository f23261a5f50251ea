package dev.tpb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.runtime.ActivationMode;
import dev.tpb.runtime.Allocator;
import dev.tpb.runtime.RuntimeOptions;
import dev.tpb.testing.TestStubs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model whose queue is full answers 503 at once instead of letting requests pile up; it serves on after. */
class QueueLimitTest {
    static RawHttp.Response sleep(int port, double seconds) {
        return RawHttp.once(port, "POST", "/v2/models/sleeper/infer", Map.of(),
                ("{\"inputs\":[{\"name\":\"SECONDS\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[" + seconds + "]}]}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aFullQueueAnswers503(@TempDir Path repo) throws Exception {
        RuntimeOptions options = new RuntimeOptions(TestStubs.backendsDir(), TestStubs.cacheDir(), Allocator.SYSTEM,
                ActivationMode.direct, RuntimeOptions.DEFAULT_SHM_BYTES, RuntimeOptions.DEFAULT_SHM_BYTES, 2);
        try (Served served = new Served(repo, options, 1 << 20, "sleeper")) {
            int port = served.port();
            CompletableFuture<RawHttp.Response> busy = CompletableFuture.supplyAsync(() -> sleep(port, 1.5));
            long deadline = System.currentTimeMillis() + 10_000;
            while (served.manager.model("sleeper").orElseThrow().inFlight() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200); // the first request is executing: the queue is empty and holds two more
            List<CompletableFuture<RawHttp.Response>> more = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                more.add(CompletableFuture.supplyAsync(() -> sleep(port, 0)));
            }
            int ok = 0;
            int refused = 0;
            for (CompletableFuture<RawHttp.Response> f : more) {
                RawHttp.Response r = f.get();
                if (r.status() == 503) {
                    assertEquals("Exceeds maximum queue size", r.json().path("error").asText());
                    refused++;
                } else {
                    assertEquals(200, r.status(), r::toString);
                    ok++;
                }
            }
            assertEquals(200, busy.get().status());
            assertEquals(2, ok, "the queue held two requests");
            assertEquals(3, refused);
            assertTrue(sleep(port, 0).status() == 200, "the model serves on");
        }
    }
}
