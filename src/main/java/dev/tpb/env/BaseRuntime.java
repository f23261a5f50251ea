package dev.tpb.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.TpbException;
import dev.tpb.python.PythonVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What a venv's base interpreter contributes to a standalone copy: the real executable, the shared libpython,
 * the standard library and lib-dynload. Asked from the interpreter itself (isolated, without site).
 *
 * @param executable the real interpreter binary (symlinks resolved)
 * @param prefix     the base installation's prefix (canonical)
 * @param stdlib     the pure standard library directory
 * @param platstdlib the platform standard library directory (usually the same)
 * @param dynload    lib-dynload, where the standard extension modules are
 * @param libpython  the shared libpython file, when the build has one
 * @param ldlibrary  the linker name of libpython (libpython3.X.so) when it differs from the file's name
 */
record BaseRuntime(PythonVersion version, Path executable, Path prefix, Path stdlib, Path platstdlib,
                   Optional<Path> dynload, Optional<Path> libpython, Optional<String> ldlibrary) {

    static BaseRuntime query(Path interpreter) {
        String script;
        try (InputStream in = BaseRuntime.class.getResourceAsStream("base_runtime.py")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TpbException("cannot load base_runtime.py from tpb's jar: " + e.getMessage(), e);
        }
        ProcessBuilder pb = new ProcessBuilder(interpreter.toString(), "-I", "-S", "-c", script);
        pb.environment().remove("PYTHONHOME");
        pb.environment().remove("PYTHONPATH");
        pb.redirectErrorStream(true);
        String out;
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new TpbException("the base interpreter " + interpreter + " failed to describe itself: "
                        + out.strip());
            }
        } catch (IOException e) {
            throw new TpbException("cannot run the base interpreter " + interpreter + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException("interrupted while asking " + interpreter + " about itself");
        }
        try {
            JsonNode n = new ObjectMapper().readTree(out.substring(Math.max(0, out.lastIndexOf("\n{") + 1)));
            JsonNode v = n.path("version");
            PythonVersion version = new PythonVersion(v.get(0).asInt(), v.get(1).asInt(), v.get(2).asInt());
            Path libdir = Path.of(n.path("libdir").asText("/nonexistent"));
            Optional<Path> libpython = Optional.empty();
            String soname = n.path("instsoname").asText();
            List<String> names = new ArrayList<>(List.of(soname, n.path("ldlibrary").asText()));
            if (n.path("shared").asBoolean()) {
                for (String name : names) {
                    if (name.contains(".so") && Files.isRegularFile(libdir.resolve(name))) {
                        libpython = Optional.of(libdir.resolve(name).toRealPath());
                        break;
                    }
                }
            }
            String ld = n.path("ldlibrary").asText();
            Optional<String> ldlibrary = libpython.isPresent() && ld.contains(".so")
                    && !ld.equals(libpython.get().getFileName().toString()) ? Optional.of(ld) : Optional.empty();
            Optional<Path> dynload = Optional.empty();
            for (JsonNode d : n.path("dynload")) {
                if (Files.isDirectory(Path.of(d.asText()))) {
                    dynload = Optional.of(Path.of(d.asText()).toRealPath());
                    break;
                }
            }
            return new BaseRuntime(version, Path.of(n.path("executable").asText()),
                    Path.of(n.path("prefix").asText()).toRealPath(), Path.of(n.path("stdlib").asText()).toRealPath(),
                    Path.of(n.path("platstdlib").asText()).toRealPath(), dynload, libpython, ldlibrary);
        } catch (IOException | RuntimeException e) {
            throw new TpbException("cannot understand what the base interpreter " + interpreter + " says about "
                    + "itself: " + e.getMessage(), e);
        }
    }
}
