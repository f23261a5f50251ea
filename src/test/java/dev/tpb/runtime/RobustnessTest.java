package dev.tpb.runtime;

import static dev.tpb.testing.Models.floats;
import static dev.tpb.testing.Models.fp32;
import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.Reporter;
import dev.tpb.testing.Models;
import dev.tpb.testing.TestStubs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failure paths found in review: each of these once hung, leaked or crashed the JVM. */
class RobustnessTest {
    @Test
    void aStubThatDiesIsNoticedEvenWhenItsForkedChildLivesOn(@TempDir Path repo) throws Exception {
        Models.copy(repo, "forker");
        try (ModelManager manager = Models.manager(repo)) {
            LoadedModel model = Models.loadOnly(manager, "forker");
            try (InferResult r = model.submit(request(fp32("IN", new long[] {1}, -1))).get(10, TimeUnit.SECONDS)) {
                assertTrue(r.error().orElseThrow().message().contains("is not healthy"), r.error()::toString);
            }
            try (InferResult r = model.submit(request(fp32("IN", new long[] {1}, 5))).get(30, TimeUnit.SECONDS)) {
                assertTrue(r.error().isEmpty(), () -> r.error().toString());
                assertArrayEquals(new float[] {5}, floats(output(r, "OUT")));
            }
        }
        assertEquals(List.of(), Models.shmRegions());
    }

    @Test
    void whenRestartsFailQueuedRequestsAreAnsweredNotLeftHanging(@TempDir Path repo) throws Exception {
        Models.copy(repo, "crashy");
        try (ModelManager manager = Models.manager(repo)) {
            LoadedModel model = Models.loadOnly(manager, "crashy");
            try (InferResult r = model.submit(request(fp32("IN", new long[] {1}, -1))).get(10, TimeUnit.SECONDS)) {
                assertTrue(r.error().isPresent());
            }
            try (InferResult r = model.submit(request(fp32("IN", new long[] {1}, 1))).get(30, TimeUnit.SECONDS)) {
                assertEquals("Failed to process the request(s) for model instance 'crashy_0_0', message: Stub process "
                        + "'crashy_0_0' is not healthy.", r.error().orElseThrow().message());
            }
        }
        assertEquals(List.of(), Models.shmRegions());
    }

    @Test
    void unloadingDuringALongExecuteStopsTheStubWithoutFinalize(@TempDir Path repo) throws Exception {
        Models.copy(repo, "sleeper");
        try (ModelManager manager = Models.manager(repo)) {
            LoadedModel model = Models.loadOnly(manager, "sleeper");
            CompletableFuture<InferResult> slow = model.submit(request(fp32("SECONDS", new long[] {1}, 30)));
            Thread.sleep(500); // let it reach execute()
            List<String> errors = model.unload(200);
            assertEquals(1, errors.size(), errors::toString);
            assertTrue(errors.get(0).contains("without finalize()"), errors::toString);
            try (InferResult r = slow.get(10, TimeUnit.SECONDS)) {
                assertTrue(r.error().orElseThrow().message().contains("is not healthy"), r.error()::toString);
            }
            assertFalse(model.stubs().get(0).alive());
        }
        assertEquals(List.of(), Models.shmRegions());
    }

    @Test
    void concurrentLoadsOfOneModelLeaveOneSetOfInstances(@TempDir Path repo) throws Exception {
        Models.copy(repo, "add_sub");
        try (ModelManager manager = Models.manager(repo)) {
            List<CompletableFuture<ModelStatus>> loads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                loads.add(CompletableFuture.supplyAsync(() -> manager.load("add_sub")));
            }
            for (CompletableFuture<ModelStatus> f : loads) {
                assertEquals(ModelState.READY, f.get(60, TimeUnit.SECONDS).state());
            }
            assertEquals(1, Models.shmRegions().size(), Models.shmRegions()::toString);
            manager.unload("add_sub");
            assertEquals(List.of(), Models.shmRegions());
        }
    }

    @Test
    void growthStepsThatAreNotWholePagesStillWork(@TempDir Path repo) {
        Models.copy(repo, "identity_fp32");
        RuntimeOptions odd = new RuntimeOptions(TestStubs.backendsDir(), TestStubs.cacheDir(), Allocator.SYSTEM,
                ActivationMode.direct, RuntimeOptions.DEFAULT_SHM_BYTES, 1000, 16);
        try (ModelManager manager = new ModelManager(repo, odd, Reporter.SILENT, StubOutput.DISCARD)) {
            LoadedModel model = Models.loadOnly(manager, "identity_fp32");
            for (int n : new int[] {300_000, 10, 700_000, 5, 1_000_000}) {
                float[] values = new float[n];
                values[n - 1] = n;
                try (InferResult r = model.submit(request(fp32("INPUT0", new long[] {n}, values))).join()) {
                    assertTrue(r.error().isEmpty(), () -> n + ": " + r.error());
                    assertEquals(n, floats(output(r, "OUTPUT0"))[n - 1]);
                }
            }
        }
    }

    @Test
    void aClosedRegionLeavesNoMappingBehind(@TempDir Path repo) throws Exception {
        Models.copy(repo, "identity_fp32");
        try (ModelManager manager = Models.manager(repo)) {
            LoadedModel model = Models.loadOnly(manager, "identity_fp32");
            float[] big = new float[4 << 20]; // grows the region to 16+ MiB
            try (InferResult r = model.submit(request(fp32("INPUT0", new long[] {big.length}, big))).join()) {
                assertTrue(r.error().isEmpty());
            }
        }
        List<String> maps = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains("/dev/shm/tpb_identity_fp32")).toList();
        assertEquals(List.of(), maps, "every mapping of a removed region is released (its /dev/shm pages with it)");
    }
}
