package dev.tpb.doctor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs a stub's --version: it must start (its libpython resolves) and say which Python it embeds. */
final class StubProbe {
    private StubProbe() {
    }

    static Check check(Path stub) {
        String area = "stub " + stub.getParent().getFileName();
        if (!Files.isExecutable(stub)) {
            return Check.warn(area, stub + " is not executable", "tpb gives it the owner's exec bit when it loads it");
        }
        try {
            Process p = new ProcessBuilder(stub.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return Check.fail(area, stub + " --version failed: " + out.lines().findFirst().orElse(""),
                        "rebuild it with tpb build-stub (a Triton stub speaks another protocol)");
            }
            String python = out.lines().filter(l -> l.startsWith("python: ")).findFirst().orElse("python: ?");
            return Check.ok(area, stub + " (" + python + ")");
        } catch (IOException e) {
            return Check.fail(area, "cannot run " + stub + ": " + e.getMessage(), "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Check.fail(area, "interrupted", "");
        }
    }
}
