package dev.tpb.stub;

import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A C compiler found on this machine: --cc, $CC, or cc/gcc/clang on PATH. */
public record CCompiler(Path path, String version) {

    public static CCompiler find(String requested, Map<String, String> env) {
        List<String> candidates = new ArrayList<>();
        if (requested != null && !requested.isEmpty()) {
            candidates.add(requested);
        } else {
            String cc = env.get("CC");
            if (cc != null && !cc.isBlank()) {
                candidates.add(cc.strip());
            }
            candidates.addAll(List.of("cc", "gcc", "clang"));
        }
        for (String name : candidates) {
            Path found = resolve(name, env.getOrDefault("PATH", ""));
            if (found != null) {
                return new CCompiler(found, versionOf(found));
            }
        }
        if (requested != null && !requested.isEmpty()) {
            throw new TpbException("--cc " + requested + ": no such compiler (not a file, and not on PATH)");
        }
        throw new TpbException("no C compiler found (looked for $CC, cc, gcc and clang on PATH); install one, e.g. "
                + "'apt-get install gcc' on Debian/Ubuntu, or pass --cc PATH");
    }

    private static Path resolve(String name, String pathVar) {
        if (name.contains("/")) {
            Path p = Path.of(name);
            return Files.isExecutable(p) ? p : null;
        }
        for (String dir : pathVar.split(":")) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    private static String versionOf(Path compiler) {
        try {
            Process p = new ProcessBuilder(compiler.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().findFirst().orElse("unknown").strip();
        } catch (IOException e) {
            throw new TpbException("cannot run the C compiler " + compiler + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException("interrupted while asking " + compiler + " for its version");
        }
    }
}
