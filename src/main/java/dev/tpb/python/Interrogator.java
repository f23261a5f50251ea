package dev.tpb.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.TpbException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Asks an interpreter about itself by running a small script in isolated mode (no user site, no env vars). */
final class Interrogator {
    private static final String SCRIPT = loadScript();

    private Interrogator() {
    }

    static PythonInstall interrogate(Path executable, String source) {
        String json = run(executable);
        try {
            JsonNode n = new ObjectMapper().readTree(json);
            if (!"cpython".equals(n.path("implementation").asText())) {
                throw new TpbException(executable + " is " + n.path("implementation").asText()
                        + ", not CPython; tpb's stub embeds CPython");
            }
            JsonNode v = n.path("version");
            PythonVersion version = new PythonVersion(v.get(0).asInt(), v.get(1).asInt(), v.get(2).asInt());
            Path libDir = Path.of(n.path("libdir").asText("/nonexistent"));
            return new PythonInstall(executable, source, version, Path.of(n.path("prefix").asText()),
                    Path.of(n.path("base_prefix").asText()), Path.of(n.path("include").asText()), libDir,
                    findLibpython(libDir, n), n.path("soabi").asText());
        } catch (IOException | RuntimeException e) {
            if (e instanceof TpbException te) {
                throw te;
            }
            throw new TpbException("cannot read what " + executable + " says about itself: " + e.getMessage(), e);
        }
    }

    /** The shared libpython, wherever the distribution put it (sysconfig's answer is not always exact). */
    private static Optional<Path> findLibpython(Path libDir, JsonNode n) {
        String ldversion = n.path("ldversion").asText();
        List<Path> candidates = new ArrayList<>();
        for (String name : List.of(n.path("instsoname").asText(), n.path("ldlibrary").asText(),
                "libpython" + ldversion + ".so.1.0", "libpython" + ldversion + ".so")) {
            if (name.contains(".so")) {
                candidates.add(libDir.resolve(name));
                if (!n.path("multiarch").asText().isEmpty()) {
                    candidates.add(libDir.resolve(n.path("multiarch").asText()).resolve(name));
                }
            }
        }
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }

    private static String run(Path executable) {
        ProcessBuilder pb = new ProcessBuilder(executable.toString(), "-I", "-c", SCRIPT);
        pb.redirectErrorStream(true);
        pb.environment().remove("PYTHONHOME");
        pb.environment().remove("PYTHONPATH");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = readAll(p.getInputStream());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TpbException(executable + " did not answer within 30 s");
            }
            if (p.exitValue() != 0) {
                String detail = out.strip();
                int cut = detail.lastIndexOf('\n');
                throw new TpbException(executable + " failed to describe itself (exit " + p.exitValue() + "): "
                        + (cut >= 0 ? detail.substring(cut + 1) : detail));
            }
            int start = out.lastIndexOf("\n{");
            return start >= 0 ? out.substring(start + 1) : out;
        } catch (IOException e) {
            throw new TpbException("cannot run " + executable + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException("interrupted while asking " + executable + " about itself");
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static String loadScript() {
        try (InputStream in = Interrogator.class.getResourceAsStream("interrogate.py")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
