package dev.tpb.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tpb.elf.ElfFile;
import dev.tpb.python.PythonInstall;
import dev.tpb.testing.Proc;
import dev.tpb.testing.Pythons;
import dev.tpb.testing.Tpb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real venvs from every Python minor version on the machine (pyenv's 3.8 ... 3.13), each with a wheel installed
 * by pip, packed, extracted elsewhere with bsdtar and run with nothing but PATH set, as Triton's direct mode does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VenvPackTest {
    private Path work;
    private Path wheelDir;
    private final Map<String, Path> venvs = new TreeMap<>();

    List<String> versions() {
        return Pythons.stubCapable().stream().map(p -> p.version().minorString()).toList();
    }

    @BeforeAll
    void createVenvs() throws IOException {
        work = Files.createTempDirectory("tpb-venv-pack-test-");
        wheelDir = Files.createDirectories(work.resolve("wheels"));
        Path wheel = EnvFixtures.wheel(wheelDir);
        for (PythonInstall python : Pythons.stubCapable()) {
            String v = python.version().minorString();
            venvs.put(v, EnvFixtures.venv(python, work.resolve("venvs/py" + v), wheel));
        }
    }

    @AfterAll
    void cleanUp() {
        OutputTarget.deleteTree(work);
    }

    @ParameterizedTest(name = "Python {0}")
    @MethodSource("versions")
    void packedVenvRunsAnywhereAsAStandalonePrefix(String version) throws IOException {
        Path venv = venvs.get(version);
        Path archive = work.resolve("out/py" + version + ".tar.gz");
        Tpb r = Tpb.run("pack-env", "--prefix", venv.toString(), "-o", archive.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("Python " + version), r::toString);

        Path env = EnvFixtures.bsdtar(archive, work.resolve("elsewhere/deeper/py" + version)).toRealPath();
        Path userBase = work.resolve("home" + version + "/.local");
        EnvFixtures.write(userBase.resolve("lib/python" + version + "/site-packages/planted/__init__.py"), "X = 1\n");
        Map<String, String> userEnv = Map.of("HOME", userBase.getParent().toString(),
                "PYTHONUSERBASE", userBase.toString());
        String script = "import sys, mypkg\n"
                + "print(sys.prefix); print(sys.base_prefix); print(mypkg.VALUE)\n"
                + "try:\n    import planted\n    print('planted importable')\n"
                + "except ImportError:\n    print('planted not importable')\n";
        Proc p = EnvFixtures.runClean(env, userEnv, "python3", "-c", script);
        assertEquals(0, p.exitCode(), p::toString);
        assertEquals(List.of(env.toString(), env.toString(), "42", "planted not importable"), p.out().lines().toList(),
                p::toString);

        // The planted package is really there for a Python that does not block the user site (control).
        Proc control = EnvFixtures.runClean(env, userEnv, Pythons.get(version).executable().toString(), "-c",
                "import planted; print('control sees planted')");
        assertEquals("control sees planted\n", control.out(), control::toString);

        Proc cli = EnvFixtures.runClean(env, Map.of(), "mypkg-cli");
        assertEquals("mypkg says 42\n", cli.out(), cli::toString);

        assertFalse(Files.exists(env.resolve("pyvenv.cfg")));
        assertTrue(Files.isDirectory(env.resolve("lib/python" + version + "/lib-dynload")));
        assertTrue(Files.isSymbolicLink(env.resolve("lib64")), "lib64 stays a link");
        try (Stream<Path> s = Files.list(env.resolve("lib/python" + version + "/site-packages"))) {
            List<String> names = s.map(x -> x.getFileName().toString()).toList();
            assertTrue(names.contains("mypkg"), names::toString);
            assertFalse(names.stream().anyMatch(n -> n.startsWith("awscli") || n.startsWith("boto")),
                    "the base install's own site-packages stay out: " + names);
        }
        ElfFile python = ElfFile.read(env.resolve("bin/python" + version));
        if (python.needed().stream().anyMatch(n -> n.startsWith("libpython"))) {
            assertEquals("$ORIGIN/../lib", python.runpath().or(python::rpath).orElse(""));
            assertTrue(Files.isRegularFile(env.resolve("lib/" + python.needed().stream()
                    .filter(n -> n.startsWith("libpython")).findFirst().orElseThrow())));
        }
    }

    @Test
    void activateWorksInBashDashAndZshAndIsIdempotent() throws IOException {
        String version = versions().get(0);
        Path archive = work.resolve("out/activate.tar");
        Tpb r = Tpb.run("pack-env", "--prefix", venvs.get(version).toString(), "-o", archive.toString());
        assertEquals(0, r.exitCode(), r::toString);
        Path env = EnvFixtures.bsdtar(archive, work.resolve("activate/env")).toRealPath();
        String body = ". " + env + "/bin/activate && . " + env + "/bin/activate && "
                + "echo \"$VIRTUAL_ENV\" && echo \"$PYTHONNOUSERSITE\" && echo \"$PATH\" && echo \"$LD_LIBRARY_PATH\" && "
                + "python3 -c 'import sys; print(sys.prefix)' && . " + env + "/bin/deactivate && "
                + "echo \"${VIRTUAL_ENV:-unset}\" && echo \"$PATH\"";
        for (String shell : List.of("bash", "dash", "zsh")) {
            assumeTrue(Files.isExecutable(Path.of("/usr/bin/" + shell)) || Files.isExecutable(Path.of("/bin/" + shell)));
            Proc p = Proc.run(null, null, List.of("env", "-i", "PATH=/usr/bin:/bin", shell, "-c", body), null);
            assertEquals(0, p.exitCode(), shell + ": " + p);
            List<String> lines = p.out().lines().toList();
            assertEquals(env.toString(), lines.get(0), shell + ": " + p);
            assertEquals("True", lines.get(1), shell);
            assertEquals(env + "/bin:/usr/bin:/bin", lines.get(2), shell + ": activating twice adds bin/ once");
            assertEquals(env + "/lib", lines.get(3), shell);
            assertEquals(env.toString(), lines.get(4), shell);
            assertEquals("unset", lines.get(5), shell);
            assertEquals("/usr/bin:/bin", lines.get(6), shell + ": deactivate restores PATH");
        }
    }

    @Test
    void verifyChecksTheExtractedEnvironment() {
        String version = versions().get(versions().size() - 1);
        Path out = work.resolve("out/verified.tar.gz");
        Tpb r = Tpb.run("pack-env", "--prefix", venvs.get(version).toString(), "-o", out.toString(), "--verify");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("verified: sys.prefix is the extraction directory"), r::toString);
        assertTrue(r.out().contains("mypkg"), r::toString);

        Tpb missing = Tpb.run("pack-env", "--prefix", venvs.get(version).toString(), "-o", out.toString(), "--force",
                "--verify-import", "no_such_module_here");
        assertEquals(1, missing.exitCode(), missing::toString);
        assertTrue(missing.out().contains("import no_such_module_here: ModuleNotFoundError"), missing::toString);
    }

    @Test
    void createsAVenvFromRequirementsAndPacksIt() throws IOException {
        String version = versions().get(0);
        Path requirements = work.resolve("requirements.txt");
        Files.writeString(requirements, "mypkg==1.0\n");
        Path out = work.resolve("out/from-requirements/");
        Tpb r = Tpb.run("pack-env", "--python", version, "-r", requirements.toString(), "--find-links",
                wheelDir.toString(), "-o", out + "/");
        assertEquals(0, r.exitCode(), r::toString);
        Proc p = EnvFixtures.runClean(out, Map.of(), "python3", "-c", "import mypkg, sys; print(mypkg.VALUE, sys.prefix)");
        assertEquals("42 " + out.toRealPath() + "\n", p.out(), p::toString);
    }

    @Test
    void packingTwiceGivesIdenticalBytes() throws IOException {
        Path venv = venvs.get(versions().get(0));
        for (String format : List.of("tar.gz", "tar.zst", "tar")) {
            Path a = work.resolve("repro/a." + format);
            Path b = work.resolve("repro/b." + format);
            assertEquals(0, Tpb.run("pack-env", "--prefix", venv.toString(), "-o", a.toString()).exitCode());
            assertEquals(0, Tpb.run("pack-env", "--prefix", venv.toString(), "-o", b.toString(), "--threads", "1")
                    .exitCode());
            assertEquals(-1L, Files.mismatch(a, b), format + " archives differ");
        }
    }
}
