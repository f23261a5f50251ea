package dev.tpb.env;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tpb.python.PythonInstall;
import dev.tpb.testing.Proc;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Real environments for tests: venvs from real interpreters, a wheel built here, fake prefixes. */
public final class EnvFixtures {
    private EnvFixtures() {
    }

    /** A pure-Python wheel "mypkg 1.0" (module mypkg, console script mypkg-cli), written without any build tool. */
    public static Path wheel(Path dir) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("mypkg/__init__.py", "VALUE = 42\n\n\ndef main():\n    print('mypkg says', VALUE)\n");
        String info = "mypkg-1.0.dist-info/";
        files.put(info + "METADATA", "Metadata-Version: 2.1\nName: mypkg\nVersion: 1.0\n");
        files.put(info + "WHEEL", "Wheel-Version: 1.0\nGenerator: tpb-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
        files.put(info + "entry_points.txt", "[console_scripts]\nmypkg-cli = mypkg:main\n");
        files.put(info + "top_level.txt", "mypkg\n");
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, String> f : files.entrySet()) {
            byte[] data = f.getValue().getBytes(StandardCharsets.UTF_8);
            record.append(f.getKey()).append(",sha256=").append(urlsafeSha256(data)).append(',').append(data.length)
                    .append('\n');
        }
        record.append(info).append("RECORD,,\n");
        files.put(info + "RECORD", record.toString());
        Path wheel = dir.resolve("mypkg-1.0-py3-none-any.whl");
        try (OutputStream out = Files.newOutputStream(wheel); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> f : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(f.getKey()));
                zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return wheel;
    }

    /** python -m venv, then pip install --no-index of the given wheels (no network, no user site). */
    public static Path venv(PythonInstall python, Path dir, Path... wheels) {
        Proc p = Proc.run(python.executable().toString(), "-m", "venv", dir.toString());
        assertEquals(0, p.exitCode(), p::toString);
        if (wheels.length > 0) {
            List<String> pip = new ArrayList<>(List.of(dir.resolve("bin/python").toString(), "-m", "pip", "install",
                    "--no-index", "--disable-pip-version-check", "-q"));
            for (Path w : wheels) {
                pip.add(w.toString());
            }
            Proc i = Proc.run(null, Map.of("PYTHONNOUSERSITE", "True"), pip, null);
            assertEquals(0, i.exitCode(), i::toString);
        }
        return dir;
    }

    /** A minimal standalone prefix (nothing runs it): bin/python3 and lib/python3.11/os.py plus some files. */
    public static Path fakePrefix(Path dir) throws IOException {
        write(dir.resolve("bin/python3.11"), "#!/bin/sh\necho not really python\n");
        Files.setPosixFilePermissions(dir.resolve("bin/python3.11"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(dir.resolve("bin/python3"), Path.of("python3.11"));
        write(dir.resolve("lib/python3.11/os.py"), "# os\n");
        write(dir.resolve("lib/python3.11/site-packages/pkg/__init__.py"), "X = 1\n");
        return dir;
    }

    public static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    /** Extracts with bsdtar (libarchive, as Triton), with its secure defaults. */
    public static Path bsdtar(Path archive, Path dir) throws IOException {
        Files.createDirectories(dir);
        Proc p = Proc.run("bsdtar", "-xf", archive.toString(), "-C", dir.toString());
        assertEquals(0, p.exitCode(), p::toString);
        return dir;
    }

    /** Runs the env's python3 as Triton's direct mode would find it: nothing but PATH=<dir>/bin, plus extra. */
    public static Proc runClean(Path env, Map<String, String> extra, String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "-i", "PATH=" + env.resolve("bin")));
        extra.forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.addAll(List.of(args));
        return Proc.run(cmd);
    }

    private static String urlsafeSha256(byte[] data) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
