package dev.tpb.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.testing.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** --malloc: the allocator is preloaded into the stub (seen in its /proc maps), never into the JVM. */
class AllocatorTest {
    @ParameterizedTest
    @ValueSource(strings = {"tcmalloc", "jemalloc"})
    void allocatorIsLoadedIntoTheStub(String name, @TempDir Path repo) {
        Allocator allocator = Allocator.resolve(name);
        Models.copy(repo, "add_sub");
        for (ActivationMode mode : ActivationMode.values()) {
            try (ModelManager manager = new ModelManager(repo, Models.options(allocator, mode), Reporter.SILENT,
                    StubOutput.DISCARD)) {
                StubProcess stub = Models.loadOnly(manager, "add_sub").stubs().get(0);
                assertTrue(allocator.loadedInto(stub.pid()), name + " in /proc/" + stub.pid() + "/maps (" + mode + ")");
                assertFalse(allocator.loadedInto(ProcessHandle.current().pid()), "not in the JVM");
            }
        }
    }

    @Test
    void systemAllocatorPreloadsNothing() {
        assertTrue(Allocator.resolve("system").library().isEmpty());
    }

    @Test
    void aPathMustExist(@TempDir Path dir) {
        TpbException e = assertThrows(TpbException.class, () -> Allocator.resolve(dir.resolve("libnope.so").toString()));
        assertTrue(e.getMessage().contains("--malloc"), e.getMessage());
    }

    @Test
    void resolvesDebianLibraryPaths() {
        Path tcmalloc = Allocator.resolve("tcmalloc").library().orElseThrow();
        assertTrue(Files.isRegularFile(tcmalloc), tcmalloc::toString);
        assertTrue(tcmalloc.getFileName().toString().startsWith("libtcmalloc"));
        assertEquals("libjemalloc.so.2", Allocator.resolve("jemalloc").library().orElseThrow().getFileName().toString());
    }
}
