package dev.tpb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.env.EnvFixtures;
import dev.tpb.testing.Proc;
import dev.tpb.testing.Tpb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pack-env's command line on a small standalone prefix: options, errors, archive rules, readers. */
class PackEnvCommandTest {
    @TempDir
    Path tmp;
    private Path prefix;

    @BeforeEach
    void prefix() throws IOException {
        prefix = EnvFixtures.fakePrefix(tmp.resolve("env"));
        Files.createSymbolicLink(prefix.resolve("lib64"), Path.of("lib"));
        Path site = prefix.resolve("lib/python3.11/site-packages");
        Files.createLink(site.resolve("pkg/hardlinked.py"), site.resolve("pkg/__init__.py"));
        EnvFixtures.write(site.resolve("pkg/" + "very_long_directory_name_/".repeat(6) + "module.py"), "Y = 2\n");
        Files.createSymbolicLink(site.resolve("pkg/data-link"), Path.of("../../../../" + "lib/python3.11/os.py"));
        EnvFixtures.write(prefix.resolve("bin/tool"), "#!" + prefix.toRealPath() + "/bin/python3.11 -E\nprint(1)\n");
        Files.setPosixFilePermissions(prefix.resolve("bin/tool"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        EnvFixtures.write(prefix.resolve("share/doc/readme.txt"), "docs\n");
    }

    private Tpb pack(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("pack-env", "--prefix", prefix.toString()));
        args.addAll(List.of(extra));
        return Tpb.run(args.toArray(String[]::new));
    }

    private static List<String> list(String... command) {
        Proc p = Proc.run(command);
        assertEquals(0, p.exitCode(), p::toString);
        return p.out().lines().toList();
    }

    @Test
    void gzipOutputIsReadByGzipGnuTarBsdtarAndPythonTarfile() {
        Path out = tmp.resolve("env.tar.gz");
        Tpb r = pack("-o", out.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(0, Proc.run("gzip", "-t", out.toString()).exitCode());
        List<String> gnu = list("tar", "-tzf", out.toString());
        List<String> bsd = list("bsdtar", "-tf", out.toString());
        List<String> py = list("python3", "-c", "import tarfile,sys\nfor m in tarfile.open(sys.argv[1]): "
                + "print(m.name + ('/' if m.isdir() else ''))", out.toString());
        assertEquals(gnu, bsd);
        assertEquals(gnu, py);
        assertTrue(gnu.contains("lib/python3.11/site-packages/pkg/" + "very_long_directory_name_/".repeat(6) + "module.py"));
        assertTrue(gnu.contains("lib64"), "lib64 is stored as a link");
        assertTrue(gnu.stream().noneMatch(n -> n.startsWith("lib64/")), "nothing is stored below a symlink");
        assertEquals(gnu.stream().sorted().toList(), gnu.stream().map(n -> n).toList().stream().sorted().toList());
        List<String> verbose = list("tar", "-tvzf", out.toString());
        assertTrue(verbose.stream().allMatch(l -> l.contains(" 0/0 ") || l.contains(" root/root ")), verbose::toString);
        assertTrue(verbose.stream().anyMatch(l -> l.startsWith("h") && l.contains("hardlinked.py")
                || l.contains("pkg/__init__.py link to")), "hard links stay hard links: " + verbose);
        // python tarfile sees no PAX headers
        List<String> pax = list("python3", "-c", "import tarfile,sys\nt=tarfile.open(sys.argv[1])\n"
                + "print(sum(1 for m in t if m.pax_headers))", out.toString());
        assertEquals(List.of("0"), pax);
    }

    @Test
    void archivesAreSortedWithKeptMtimesAndOwnerZero() throws IOException {
        Path out = tmp.resolve("env.tar");
        assertEquals(0, pack("-o", out.toString()).exitCode());
        List<String> py = list("python3", "-c", "import tarfile,sys\nt=tarfile.open(sys.argv[1])\nnames=[m.name for m in t]\n"
                + "print(names == sorted(names)); print(set((m.uid, m.gid) for m in t))\n"
                + "print([m.mtime for m in t if m.name == 'lib/python3.11/os.py'][0])", out.toString());
        assertEquals("True", py.get(0));
        assertEquals("{(0, 0)}", py.get(1));
        assertEquals(String.valueOf(Files.getLastModifiedTime(prefix.resolve("lib/python3.11/os.py")).toMillis() / 1000),
                py.get(2));
    }

    @Test
    void shebangsWithOptionsRunTheInterpreterBesideTheScript() throws IOException {
        Path out = tmp.resolve("d/");
        assertEquals(0, pack("-o", out + "/").exitCode());
        String tool = Files.readString(out.resolve("bin/tool"));
        assertTrue(tool.startsWith("#!/bin/sh\n'''exec' \"$(dirname -- \"$0\")/python3.11\" -E \"$0\" \"$@\"\n' '''\n"), tool);
        assertTrue(Files.isExecutable(out.resolve("bin/tool")));
    }

    @Test
    void excludeDropsMatchingPathsAndTheirChildren() {
        Path out = tmp.resolve("env.tar");
        assertEquals(0, pack("-o", out.toString(), "--exclude", "share", "--exclude", "*.py").exitCode());
        List<String> names = list("tar", "-tf", out.toString());
        assertTrue(names.stream().noneMatch(n -> n.startsWith("share")), names::toString);
        assertTrue(names.stream().noneMatch(n -> n.endsWith(".py")), names::toString);
        assertTrue(names.contains("bin/activate"));
    }

    @Test
    void anExistingOutputNeedsForceAndIsUntouchedOtherwise() throws IOException {
        Path out = tmp.resolve("env.tar.gz");
        Files.writeString(out, "precious");
        Tpb r = pack("-o", out.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("tpb: error: " + out + " already exists; pass --force to replace it\n", r.err());
        assertEquals("precious", Files.readString(out));
        assertEquals(0, pack("-o", out.toString(), "--force").exitCode());
        assertEquals(0, Proc.run("gzip", "-t", out.toString()).exitCode());
    }

    @Test
    void symlinksOutsideTheEnvironmentAreRefusedByName() throws IOException {
        Path outside = tmp.resolve("elsewhere.txt");
        Files.writeString(outside, "x");
        Files.createSymbolicLink(prefix.resolve("share/outside"), outside);
        Tpb r = pack("-o", tmp.resolve("e.tar").toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("share/outside -> " + outside), r::toString);
        assertEquals(0, pack("-o", tmp.resolve("e.tar").toString(), "--exclude", "share/outside").exitCode());
    }

    @Test
    void editableInstallsAreRefusedUnlessIgnored() throws IOException {
        Path site = prefix.resolve("lib/python3.11/site-packages");
        EnvFixtures.write(site.resolve("__editable__.mylib-0.1.pth"), tmp.resolve("src/mylib") + "\n");
        EnvFixtures.write(site.resolve("oldstyle.egg-link"), "/home/me/oldstyle\n.\n");
        EnvFixtures.write(site.resolve("distutils-precedence.pth"), "import os; x = 1\n");
        Tpb r = pack("-o", tmp.resolve("e.tar").toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("__editable__.mylib-0.1.pth (" + tmp.resolve("src/mylib") + ")"), r::toString);
        assertTrue(r.err().contains("oldstyle (/home/me/oldstyle)"), r::toString);
        assertFalse(r.err().contains("distutils-precedence"), r::toString);
        Tpb ok = pack("-o", tmp.resolve("e.tar").toString(), "--ignore-editable");
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(ok.err().contains("editable install(s) packed without their code"), ok::toString);
    }

    @Test
    void usageErrors() {
        assertUsage(Tpb.run("pack-env", "-o", "x.tar.gz"), "say what to pack");
        assertUsage(pack("--python", "3.11"), "give one");
        assertUsage(pack("-o", tmp.resolve("env.zip").toString()), "cannot tell the format from -o");
        assertUsage(pack("-o", tmp.resolve("env.tar").toString(), "--format", "tar.gz"), "looks like tar but --format says tar.gz");
        assertUsage(pack("-o", tmp.resolve("env.tar").toString(), "--compress-level", "5"), "--compress-level applies to");
        assertUsage(pack("-o", tmp.resolve("env.tar.gz").toString(), "--compress-level", "12"), "levels are 1 to 9");
        assertUsage(pack("-o", tmp.resolve("env.tar.gz").toString(), "--threads", "0"), "--threads 0");
        assertUsage(pack("-o", tmp.resolve("env.tar.gz").toString(), "--dest-prefix", "rel/path"), "absolute");
        assertUsage(pack("-r", "req.txt"), "need --python");
        assertUsage(Tpb.run("pack-env", "--python", "3.11", "--inspect"), "--inspect needs --prefix");
    }

    @Test
    void notAnEnvironmentIsNamed() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Tpb r = Tpb.run("pack-env", "--prefix", empty.toString(), "-o", tmp.resolve("x.tar").toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("tpb: error: " + empty + " is not a Python environment"), r::toString);
    }

    @Test
    void inspectDescribesWithoutPacking() {
        Tpb r = Tpb.run("pack-env", "--prefix", prefix.toString(), "--inspect");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().matches("(?s).*kind\\s+standalone.*python\\s+3\\.11.*bin/activate\\s+no.*"), r::toString);
    }

    private static void assertUsage(Tpb r, String text) {
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains(text), r::toString);
    }
}
