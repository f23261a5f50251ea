package dev.tpb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.testing.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/tpb as users run it: from another directory, through a symlink, with real exit statuses. */
class ScriptIT {
    private static final Path SCRIPT = Path.of("scripts/tpb").toAbsolutePath();

    @Test
    void versionFromAnotherDirectory(@TempDir Path elsewhere) {
        Proc p = Proc.run(elsewhere, null, List.of(SCRIPT.toString(), "--version"), null);
        assertEquals(0, p.exitCode(), p::toString);
        assertTrue(p.out().startsWith("tpb "), p::toString);
        assertEquals("", p.err(), "no build notice when the jar is up to date");
    }

    @Test
    void worksThroughASymlink(@TempDir Path bin) throws IOException {
        Path link = Files.createSymbolicLink(bin.resolve("tpb"), SCRIPT);
        Proc p = Proc.run(bin, null, List.of(link.toString(), "completion", "bash"), null);
        assertEquals(0, p.exitCode(), p::toString);
        assertTrue(p.out().contains("complete"), p::toString);
    }

    @Test
    void batchCommandsRunOnALeanJvmAndTpbJavaOptsReplacesItsOptions() {
        // doctor reports the JVM's options; its exit status depends on the machine, its Java line does not
        Proc lean = Proc.run(null, Map.of("TPB_JAVA_OPTS", ""), List.of(SCRIPT.toString(), "--no-color", "doctor", "--json"), null);
        assertTrue(lean.out().contains("JVM options: -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmn24m\""),
                lean::toString);
        Proc replaced = Proc.run(null, Map.of("TPB_JAVA_OPTS", "-Xmx300m -Dtpb.test=1"),
                List.of(SCRIPT.toString(), "-q", "doctor", "--json"), null);
        assertTrue(replaced.out().contains("JVM options: -Xmx300m -Dtpb.test=1\""), replaced::toString);
    }

    @Test
    void unknownCommandExitsTwo() {
        Proc p = Proc.run(SCRIPT.toString(), "nope");
        assertEquals(2, p.exitCode(), p::toString);
        assertEquals("tpb: error: unknown command 'nope' for 'tpb' (see 'tpb --help')\n", p.err());
    }
}
