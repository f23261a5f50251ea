package dev.tpb.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.env.archive.ArchiveFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code pack-env --verify}: extracts the result at a fresh temporary path, runs its {@code bin/python3} with an
 * empty environment except {@code PATH=<dir>/bin} (as {@code env -i} would), and checks that the interpreter
 * takes that directory as its prefix and that the packages import.
 */
public final class EnvVerifier {
    private static final String MARKER = "@@tpb-verify@@";

    private EnvVerifier() {
    }

    /**
     * @param prefix    sys.prefix as the extracted interpreter saw it
     * @param expected  the directory it was extracted to
     * @param imported  modules that imported
     * @param failures  "module: error" for those that did not, plus any prefix mismatch
     */
    public record Result(Path expected, String prefix, String version, List<String> imported, List<String> failures) {
        public boolean ok() {
            return failures.isEmpty();
        }
    }

    public static Result verify(Path output, ArchiveFormat format, List<String> modules, Reporter reporter) {
        Path work;
        try {
            work = Files.createTempDirectory("tpb-verify-");
        } catch (IOException e) {
            throw new TpbException("cannot create a temporary directory for --verify: " + e.getMessage(), e);
        }
        Thread cleanup = new Thread(() -> OutputTarget.deleteTree(work), "tpb-verify-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Path dir = work.resolve("extracted-env");
            if (format == ArchiveFormat.DIR) {
                run(List.of("cp", "-a", output.toAbsolutePath().toString(), dir.toString()), null, 600);
            } else {
                Files.createDirectory(dir);
                Extractor.extract(output, dir, reporter);
            }
            dir = dir.toRealPath();
            Path python = dir.resolve("bin/python3");
            if (!Files.exists(python)) {
                return new Result(dir, "", "", List.of(), List.of("bin/python3 is missing"));
            }
            List<String> command = new ArrayList<>(List.of(python.toString(), "-c", script()));
            command.addAll(modules);
            String out = run(command, dir.resolve("bin").toString(), 1800);
            int at = out.lastIndexOf(MARKER);
            if (at < 0) {
                return new Result(dir, "", "", List.of(), List.of("bin/python3 did not run: " + tail(out)));
            }
            JsonNode n = new ObjectMapper().readTree(out.substring(at + MARKER.length()));
            List<String> failures = new ArrayList<>();
            String prefix = n.path("prefix").asText();
            if (!prefix.equals(dir.toString())) {
                failures.add("sys.prefix is " + prefix + ", not the extraction directory " + dir);
            }
            if (!n.path("base_prefix").asText().equals(dir.toString())) {
                failures.add("sys.base_prefix is " + n.path("base_prefix").asText() + ", not " + dir);
            }
            n.path("failures").forEach(f -> failures.add("import " + f.asText()));
            List<String> imported = new ArrayList<>();
            n.path("imported").forEach(i -> imported.add(i.asText()));
            return new Result(dir, prefix, n.path("version").asText(), imported, failures);
        } catch (IOException e) {
            throw new TpbException("--verify failed: " + e.getMessage(), e);
        } finally {
            OutputTarget.deleteTree(work);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // shutting down: the hook cleans up
            }
        }
    }

    /** Runs with an empty environment plus PATH (when given); returns stdout and stderr together. */
    private static String run(List<String> command, String path, int timeoutSeconds) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (path != null) {
            pb.environment().clear();
            pb.environment().put("PATH", path);
        }
        Process p = pb.start();
        p.getOutputStream().close();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TpbException("--verify: " + command.get(0) + " did not finish within " + timeoutSeconds + " s");
            }
            if (path == null && p.exitValue() != 0) {
                throw new TpbException("--verify: " + String.join(" ", command) + " failed: " + tail(out));
            }
            return out;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new TpbException("--verify was interrupted");
        }
    }

    private static String tail(String out) {
        String s = out.strip();
        return s.length() > 600 ? "..." + s.substring(s.length() - 600) : s;
    }

    private static String script() {
        try (InputStream in = EnvVerifier.class.getResourceAsStream("verify.py")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TpbException("cannot load verify.py from tpb's jar: " + e.getMessage(), e);
        }
    }
}
