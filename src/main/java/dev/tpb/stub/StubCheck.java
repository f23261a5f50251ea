package dev.tpb.stub;

import dev.tpb.TpbException;
import dev.tpb.elf.ElfFile;
import dev.tpb.python.PythonInstall;
import java.nio.file.Path;

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
        StubRun run = StubRun.of(stub, "--version");
        if (run.exitCode() != 0) {
            throw new TpbException(stub + " --version failed (exit " + run.exitCode() + "):\n" + run.output().strip());
        }
        if (run.python().filter(v -> v.sameMinor(python.version())).isEmpty()) {
            throw new TpbException(stub + " --version does not report Python " + python.version().minorString()
                    + ".x:\n" + run.output());
        }
        return needed;
    }
}
