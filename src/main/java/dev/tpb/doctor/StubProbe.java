package dev.tpb.doctor;

import dev.tpb.TpbException;
import dev.tpb.stub.StubRun;
import java.nio.file.Files;
import java.nio.file.Path;

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
            StubRun run = StubRun.of(stub, "--version");
            if (run.exitCode() != 0) {
                return Check.fail(area, stub + " --version failed: " + run.firstLine(),
                        "rebuild it with tpb build-stub (a Triton stub speaks another protocol)");
            }
            return Check.ok(area, stub + " (python: " + run.python().map(Object::toString).orElse("?") + ")");
        } catch (TpbException e) {
            return Check.fail(area, e.getMessage(), "rebuild it with tpb build-stub");
        }
    }
}
