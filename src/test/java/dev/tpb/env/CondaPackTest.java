package dev.tpb.env;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.testing.Tpb;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A synthetic conda env written by the test: conda-meta records with paths_data, a text file holding the
 * prefix, a binary file whose placeholder conda replaced (NUL padded), a file pip clobbered, a noarch: python
 * package recorded in its generic form, an unmanaged pip-installed package, the package cache.
 */
class CondaPackTest {
    private static final String PLACEHOLDER = "/opt/conda_build_placehold_placehold_placehold_placehold_placehold"
            + "_placehold_placehold_placehold";
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path tmp;
    private Path prefix;
    private byte[] binaryOnDisk;

    @BeforeEach
    void writeEnv() throws Exception {
        prefix = tmp.resolve("miniconda/envs/model");
        Files.createDirectories(prefix.resolve("conda-meta"));
        String p = prefix.toString();

        ObjectNode python = record("python", "3.11.7", null);
        managed(python, "bin/python3.11", "#!/bin/sh\necho fake python\n", null, false);
        managed(python, "lib/python3.11/os.py", "# os\n", null, false);
        managed(python, "etc/tool.cfg", "home=" + p + "/share\n", "home=" + PLACEHOLDER + "/share\n", false);
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        bin.write(new byte[] {0, 1, 2, 'E', 'L', 'F'});
        bin.write((p + "/lib").getBytes(StandardCharsets.UTF_8));
        bin.write(new byte[1 + PLACEHOLDER.length() - p.length()]); // terminator and conda's padding
        bin.write(new byte[] {7, 7, 7, 'e', 'n', 'd'});
        binaryOnDisk = bin.toByteArray();
        managedBytes(python, "lib/libfoo.so", binaryOnDisk, PLACEHOLDER, true);
        managed(python, "lib/python3.11/site-packages/clob/__init__.py", "changed by pip\n", null, false);
        // conda recorded the original content's hash: the file on disk no longer matches it
        ((ObjectNode) python.path("paths_data").path("paths").get(4)).put("sha256", sha256("original\n".getBytes()));
        writeRecord(python, "python-3.11.7-h955ad1f_0.json");
        Files.createSymbolicLink(prefix.resolve("bin/python3"), Path.of("python3.11"));

        ObjectNode noarch = record("mynoarch", "1.0", "python");
        ArrayNode paths = (ArrayNode) noarch.path("paths_data").path("paths");
        writeFile("lib/python3.11/site-packages/mynoarch/__init__.py", "N = 7\n");
        paths.addObject().put("_path", "site-packages/mynoarch/__init__.py").put("path_type", "hardlink")
                .put("sha256", sha256("N = 7\n".getBytes()));
        writeFile("bin/mynoarch-run", "#!" + p + "/bin/python3.11\nimport mynoarch\n");
        paths.addObject().put("_path", "python-scripts/mynoarch-run").put("path_type", "hardlink")
                .put("sha256", sha256(("#!" + PLACEHOLDER + "/bin/python3.11\nimport mynoarch\n").getBytes()))
                .put("prefix_placeholder", PLACEHOLDER).put("file_mode", "text");
        writeRecord(noarch, "mynoarch-1.0-pyhd8ed1ab_0.json");

        writeFile("lib/python3.11/site-packages/pipped/__init__.py", "P = 1\n");
        writeFile("etc/conda/activate.d/set-vars.sh", "export MODEL_HOME=$CONDA_PREFIX/share\n");
        writeFile("pkgs/cached-1.0/info/index.json", "{}\n");
        writeFile("conda-meta/history", "==> 2026-01-01 <==\n");
    }

    @Test
    void changedCondaFilesAreAnErrorNamingThem() throws IOException {
        Path out = tmp.resolve("env.tar.gz");
        Tpb r = Tpb.run("pack-env", "--prefix", prefix.toString(), "-o", out.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("lib/python3.11/site-packages/clob/__init__.py (python 3.11.7)"), r::toString);
        assertTrue(r.err().contains("--ignore-missing-files"), r::toString);
        assertFalse(Files.exists(out), "nothing is left behind");
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().contains(".tpb-")), "no temporary file left");
        }
    }

    @Test
    void missingCondaFilesAreAnErrorUnlessIgnored() throws IOException {
        Files.delete(prefix.resolve("lib/python3.11/os.py"));
        Path out = tmp.resolve("env.tar.gz");
        Tpb r = Tpb.run("pack-env", "--prefix", prefix.toString(), "-o", out.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("missing") && r.err().contains("lib/python3.11/os.py"), r::toString);
        Tpb ignored = Tpb.run("pack-env", "--prefix", prefix.toString(), "-o", out.toString(), "--ignore-missing-files");
        assertEquals(0, ignored.exitCode(), ignored::toString);
        assertTrue(ignored.err().contains("missing and not packed"), ignored::toString);
    }

    @Test
    void packsManagedUnmanagedAndNoarchFilesAndReportsThePrefix() throws IOException {
        Path out = tmp.resolve("env.tar.gz");
        Tpb r = Tpb.run("pack-env", "--prefix", prefix.toString(), "-o", out.toString(), "--ignore-missing-files");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("differ from what conda installed") && r.err().contains("clob/__init__.py"),
                r::toString);
        assertTrue(r.err().contains("etc/conda/activate.d has hooks (set-vars.sh)"), r::toString);
        assertTrue(r.out().contains("2 file(s) still hold the old prefix"), r::toString);
        assertTrue(r.out().contains("etc/tool.cfg") && r.out().contains("lib/libfoo.so"), r::toString);

        Path env = EnvFixtures.bsdtar(out, tmp.resolve("x"));
        assertFalse(Files.exists(env.resolve("pkgs")), "the package cache stays out");
        assertEquals("#!/usr/bin/env python3.11\nimport mynoarch\n", Files.readString(env.resolve("bin/mynoarch-run")));
        assertEquals("N = 7\n", Files.readString(env.resolve("lib/python3.11/site-packages/mynoarch/__init__.py")));
        assertEquals("P = 1\n", Files.readString(env.resolve("lib/python3.11/site-packages/pipped/__init__.py")));
        assertEquals("changed by pip\n", Files.readString(env.resolve("lib/python3.11/site-packages/clob/__init__.py")));
        assertTrue(Files.readString(env.resolve("bin/activate")).contains("CONDA_PREFIX=$_tpb_env"));
        assertArrayEquals(binaryOnDisk, Files.readAllBytes(env.resolve("lib/libfoo.so")), "unchanged without --dest-prefix");
        assertTrue(Files.isRegularFile(env.resolve("conda-meta/python-3.11.7-h955ad1f_0.json")));

        Tpb inspect = Tpb.run("pack-env", "--prefix", prefix.toString(), "--inspect");
        assertEquals(0, inspect.exitCode(), inspect::toString);
        assertTrue(inspect.out().matches("(?s).*kind\\s+conda.*python\\s+3\\.11\\.7.*packages\\s+2.*"), inspect::toString);
    }

    @Test
    void destPrefixRewritesTextAndBinaryFilesKeepingBinaryLengths() throws IOException {
        Path out = tmp.resolve("env.tar");
        String dest = "/srv/models/env-with-a-rather-long-name-that-is-longer-than-the-old-one";
        assertTrue(dest.length() > prefix.toString().length() && dest.length() < PLACEHOLDER.length());
        Tpb r = Tpb.run("pack-env", "--prefix", prefix.toString(), "-o", out.toString(), "--ignore-missing-files",
                "--dest-prefix", dest);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("2 file(s) rewritten for --dest-prefix"), r::toString);
        Path env = EnvFixtures.bsdtar(out, tmp.resolve("x"));
        assertEquals("home=" + dest + "/share\n", Files.readString(env.resolve("etc/tool.cfg")));
        byte[] rewritten = Files.readAllBytes(env.resolve("lib/libfoo.so"));
        assertEquals(binaryOnDisk.length, rewritten.length, "a binary file keeps its length");
        String text = new String(rewritten, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(dest + "/lib\0"), text);
        assertTrue(text.endsWith("\7\7\7end"), "bytes after the padding are untouched");

        Tpb tooLong = Tpb.run("pack-env", "--prefix", prefix.toString(), "-o", tmp.resolve("long.tar").toString(),
                "--ignore-missing-files", "--dest-prefix", "/" + "x".repeat(PLACEHOLDER.length() + 10));
        assertEquals(0, tooLong.exitCode(), tooLong::toString);
        assertTrue(tooLong.out().contains("lib/libfoo.so (binary; --dest-prefix longer than the room"), tooLong::toString);
    }

    private ObjectNode record(String name, String version, String noarch) {
        ObjectNode r = json.createObjectNode();
        r.put("name", name).put("version", version).put("build", "0");
        if (noarch != null) {
            r.put("noarch", noarch);
        }
        r.putObject("paths_data").put("paths_version", 1).putArray("paths");
        r.putArray("files");
        return r;
    }

    private void managed(ObjectNode record, String path, String content, String shipped, boolean binary)
            throws IOException {
        managedBytes(record, path, content.getBytes(StandardCharsets.UTF_8), shipped == null ? null : PLACEHOLDER,
                binary);
        if (shipped != null) {
            ArrayNode paths = (ArrayNode) record.path("paths_data").path("paths");
            ((ObjectNode) paths.get(paths.size() - 1)).put("sha256", sha256(shipped.getBytes()));
        }
    }

    private void managedBytes(ObjectNode record, String path, byte[] content, String placeholder, boolean binary)
            throws IOException {
        Path file = prefix.resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        ObjectNode p = ((ArrayNode) record.path("paths_data").path("paths")).addObject();
        p.put("_path", path).put("path_type", "hardlink");
        if (placeholder == null) {
            p.put("sha256", sha256(content));
        } else {
            p.put("sha256", sha256("as shipped".getBytes())).put("sha256_in_prefix", sha256(content))
                    .put("prefix_placeholder", placeholder).put("file_mode", binary ? "binary" : "text");
        }
        ((ArrayNode) record.path("files")).add(path);
    }

    private void writeRecord(ObjectNode record, String name) throws IOException {
        Files.writeString(prefix.resolve("conda-meta").resolve(name), json.writeValueAsString(record));
    }

    private void writeFile(String path, String content) throws IOException {
        EnvFixtures.write(prefix.resolve(path), content);
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
