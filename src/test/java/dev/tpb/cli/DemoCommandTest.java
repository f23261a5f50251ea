package dev.tpb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.testing.Models;
import dev.tpb.testing.Tpb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tpb demo, as the README's first command runs it: stubs, a packed environment, a served repository. */
class DemoCommandTest {
    @Test
    void theDemoServesBothModelsAndKeepsItsDirectory(@TempDir Path dir) throws Exception {
        Path work = dir.resolve("demo");
        Tpb r = Tpb.run("demo", "--dir", work.toString(), "-q");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("/v2/models/add_sub/infer -> OUTPUT0 = [5.0,5.0,5.0,5.0], OUTPUT1 = "
                + "[-3.0,-1.0,1.0,3.0]"), r::toString);
        assertTrue(r.out().contains("/v2/models/whoami/infer -> ANSWER = [\"Python "), r::toString);
        assertTrue(r.out().contains(" at " + work.resolve("cache/envs")), "whoami runs in its extracted environment: "
                + r.out());
        assertTrue(Files.isRegularFile(work.resolve("models/whoami/env.tar.gz")));
        assertTrue(Files.readString(work.resolve("models/whoami/config.pbtxt"))
                .contains("$$TRITON_MODEL_DIRECTORY/env.tar.gz"));
        assertTrue(r.out().contains("tpb run " + work.resolve("models") + " --backends-dir " + work.resolve("backends")));
        assertEquals(List.of(), Models.shmRegions());
    }

    @Test
    void aDirectoryWithModelsIsRefused(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("models"));
        Tpb r = Tpb.run("demo", "--dir", dir.toString());
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("already holds a models/ directory"), r::toString);
    }
}
