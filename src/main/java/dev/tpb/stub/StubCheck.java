package dev.tpb.stub;

import dev.tpb.TpbException;
import dev.tpb.elf.ElfFile;
import dev.tpb.python.PythonInstall;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Checks a built stub: it links the right libpython and runs (`--version` names the right Python). */
final class StubCheck {
    private StubCheck() {
    }

    /** Returns the libpython the stub's ELF file names as NEEDED. */
    static String verify(Path stub, PythonInstall python) {
        ElfFile elf = ElfFile.read(stub);
        String needed = elf.needed().stream().filter(n -> n.startsWith("libpython")).findFirst()
                .orElseThrow(() -> new TpbException(stub + " does not link against libpython (no NEEDED entry names it)"));
        String expected = "libpython" + python.version().minorString();
        if (!needed.startsWith(expected)) {
            throw new TpbException(stub + " links " + needed + ", expected " + expected);
        }
        if (elf.runpath().isEmpty()) {
            // RUNPATH (unlike RPATH) lets LD_LIBRARY_PATH=<env>/lib win at run time.
            throw new TpbException(stub + " has no RUNPATH; LD_LIBRARY_PATH could not override its libpython");
        }
        String out = run(stub);
        String line = out.lines().filter(l -> l.startsWith("python: ")).findFirst().orElse("");
        String version = line.substring(Math.min(line.length(), "python: ".length())).strip();
        if (!version.startsWith(python.version().minorString() + ".")) {
            throw new TpbException(stub + " --version reports Python '" + version + "', expected "
                    + python.version().minorString() + ".x:\n" + out);
        }
        return needed;
    }

    private static String run(Path stub) {
        try {
            Process p = new ProcessBuilder(stub.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TpbException(stub + " --version did not finish within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new TpbException(stub + " --version failed (exit " + p.exitValue() + "):\n" + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new TpbException("cannot run " + stub + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException("interrupted while checking " + stub);
        }
    }
}
