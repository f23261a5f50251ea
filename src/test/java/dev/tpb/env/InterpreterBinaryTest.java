package dev.tpb.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.elf.ElfFile;
import dev.tpb.python.PythonInstall;
import dev.tpb.testing.Proc;
import dev.tpb.testing.Pythons;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InterpreterBinaryTest {
    @Test
    void relocatesOnlySearchPathEntriesInsideTheOldPrefixes() {
        assertEquals("$ORIGIN/../lib", InterpreterBinary.relocate("/root/.pyenv/versions/3.11.7/lib",
                List.of(Path.of("/root/.pyenv/versions/3.11.7"))));
        assertEquals("$ORIGIN/../lib/x:/opt/other/lib", InterpreterBinary.relocate("/p/lib/x:/opt/other/lib",
                List.of(Path.of("/p"))));
        assertEquals("$ORIGIN/../lib", InterpreterBinary.relocate("$ORIGIN/../lib", List.of(Path.of("/p"))));
    }

    /** A search path with no room for $ORIGIN/../lib: bin/python3.X becomes a wrapper that still runs. */
    @Test
    void fallsBackToAWrapperThatFindsLibpython(@TempDir Path tmp) throws IOException {
        PythonInstall p = Pythons.stubCapable().get(0);
        String minor = p.version().minorString();
        byte[] shortPath = ElfFile.withSearchPath("python", Files.readAllBytes(p.executable().toRealPath()), "/p/lib")
                .orElseThrow();
        Path binary = tmp.resolve("src/python" + minor);
        Files.createDirectories(binary.getParent());
        Files.write(binary, shortPath);
        binary.toFile().setExecutable(true);

        List<String> warnings = new ArrayList<>();
        List<Entry> entries = InterpreterBinary.entries(binary, "bin/python" + minor, List.of(Path.of("/p")),
                p.libpython(), warnings);
        assertEquals(List.of("bin/python" + minor + "-bin", "bin/python" + minor),
                entries.stream().map(Entry::path).toList());
        assertTrue(warnings.get(0).contains("has no room for '$ORIGIN/../lib'"), warnings::toString);

        Path env = tmp.resolve("env");
        for (Entry e : entries) {
            Path f = env.resolve(e.path());
            Files.createDirectories(f.getParent());
            Files.write(f, e.data());
            f.toFile().setExecutable(true);
        }
        Files.createDirectories(env.resolve("lib"));
        Files.createSymbolicLink(env.resolve("lib").resolve(p.libpythonSoname().orElseThrow()), p.libpython().orElseThrow());
        Files.createSymbolicLink(env.resolve("bin/python3"), Path.of("python" + minor));
        Proc run = EnvFixtures.runClean(env, java.util.Map.of(), "python3", "-c", "print(6 * 7)");
        assertEquals("42\n", run.out().lines().reduce((a, b) -> b).orElse("") + "\n", run::toString);
        assertEquals(Optional.of("/p/lib"), ElfFile.read(env.resolve("bin/python" + minor + "-bin")).runpath()
                .or(() -> ElfFile.read(env.resolve("bin/python" + minor + "-bin")).rpath()));
    }
}
