package dev.tpb.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.UsageException;
import dev.tpb.testing.Pythons;
import dev.tpb.testing.Tpb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PythonFinderTest {
    @Test
    void parsesVersionRequests() {
        assertEquals(new PythonVersion(3, 10, -1), PythonVersion.parse("3.10"));
        assertEquals(new PythonVersion(3, 10, 13), PythonVersion.parse("python3.10.13"));
        assertTrue(new PythonVersion(3, 10, 13).satisfies(PythonVersion.parse("3.10")));
        assertTrue(!new PythonVersion(3, 1, 0).satisfies(PythonVersion.parse("3.10")));
        UsageException e = assertThrows(UsageException.class, () -> PythonVersion.parse("3"));
        assertTrue(e.getMessage().contains("'3'"), e.getMessage());
    }

    @Test
    void interrogatesTheRealInterpreters() {
        List<PythonInstall> found = Pythons.finder().all();
        assumeTrue(!found.isEmpty(), "no CPython on this machine");
        for (PythonInstall p : found) {
            assertTrue(Files.isDirectory(p.prefix()), p::toString);
            assertTrue(p.soabi().startsWith("cpython-" + p.version().major() + p.version().minor()), p::toString);
            p.libpython().ifPresent(lib -> assertTrue(lib.getFileName().toString()
                    .startsWith("libpython" + p.version().minorString()), p::toString));
        }
        // newest first
        for (int i = 1; i < found.size(); i++) {
            assertTrue(found.get(i - 1).version().compareTo(found.get(i).version()) >= 0);
        }
    }

    @Test
    void findsEachVersionByMinor() {
        for (PythonInstall p : Pythons.stubCapable()) {
            PythonInstall again = Pythons.finder().find(PythonVersion.parse(p.version().minorString()));
            assertTrue(again.version().sameMinor(p.version()), again + " for " + p);
        }
    }

    @Test
    void missingVersionListsWhatWasFound() {
        TpbException e = assertThrows(TpbException.class, () -> Pythons.finder().find(PythonVersion.parse("3.99")));
        assertTrue(e.getMessage().startsWith("no Python 3.99 found; "), e.getMessage());
        assertTrue(e.getMessage().contains("--python-exe"), e.getMessage());
    }

    /** A private pyenv root and PATH: discovery follows PYENV_ROOT and PATH, not this machine's defaults. */
    @Test
    void followsPyenvRootAndPath(@TempDir Path home) throws IOException {
        List<PythonInstall> real = Pythons.stubCapable();
        assumeTrue(real.size() >= 2, "needs two Python versions");
        PythonInstall a = real.get(0);
        PythonInstall b = real.get(1);
        Path versions = Files.createDirectories(home.resolve("pyenv/versions"));
        Files.createSymbolicLink(versions.resolve(a.version().toString()), a.basePrefix());
        Path bin = Files.createDirectories(home.resolve("bin"));
        String name = "python" + b.version().minorString();
        Files.createSymbolicLink(bin.resolve(name), b.basePrefix().resolve("bin").resolve(name));
        PythonFinder finder = new PythonFinder(Map.of("PYENV_ROOT", home.resolve("pyenv").toString(),
                "PATH", bin.toString()), home, Reporter.SILENT);
        PythonInstall viaPyenv = finder.find(PythonVersion.parse(a.version().minorString()));
        assertEquals("pyenv", viaPyenv.source());
        PythonInstall viaPath = finder.find(PythonVersion.parse(b.version().minorString()));
        assertEquals("PATH", viaPath.source());
        assertEquals(bin.resolve(name), viaPath.executable());
    }

    @Test
    void explicitExecutableMustExist(@TempDir Path dir) {
        TpbException e = assertThrows(TpbException.class, () -> Pythons.finder().at(dir.resolve("python9")));
        assertTrue(e.getMessage().contains("--python-exe"), e.getMessage());
    }

    @Test
    void listCommandPrintsJson() throws IOException {
        Tpb r = Tpb.run("python", "list", "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode array = new ObjectMapper().readTree(r.out());
        assertEquals(Pythons.finder().all().size(), array.size());
        for (JsonNode p : array) {
            assertTrue(p.path("version").asText().matches("3\\.\\d+\\.\\d+"), p::toString);
        }
    }
}
