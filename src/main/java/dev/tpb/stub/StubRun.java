package dev.tpb.stub;

import dev.tpb.TpbException;
import dev.tpb.python.PythonVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A short run of a stub: {@code --version}, or no arguments (Triton's exec-permission probe). A stub that does
 * not finish within the timeout is killed: a broken one must not hang tpb.
 */
public record StubRun(int exitCode, String output) {
    private static final long TIMEOUT_SECONDS = 10;

    public static StubRun of(Path stub, String... args) {
        List<String> command = new ArrayList<>();
        command.add(stub.toString());
        command.addAll(List.of(args));
        try {
            // The output goes to a file, not a pipe: a stub that prints a lot cannot block, and waitFor's timeout works.
            java.nio.file.Path log = java.nio.file.Files.createTempFile("tpb-stub-run-", ".txt");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new TpbException(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
                }
                return new StubRun(p.exitValue(), java.nio.file.Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                java.nio.file.Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new TpbException("cannot run " + stub + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException("interrupted while running " + stub);
        }
    }

    /** The Python a stub embeds, from the "python: 3.X.Y" line of --version. */
    public Optional<PythonVersion> python() {
        return output.lines().filter(l -> l.startsWith("python: ")).findFirst()
                .map(l -> PythonVersion.parse(l.substring("python: ".length()).strip()));
    }

    public String firstLine() {
        return output.strip().lines().findFirst().orElse("");
    }
}
