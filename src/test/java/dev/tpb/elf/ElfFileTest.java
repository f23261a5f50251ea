package dev.tpb.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.TpbException;
import dev.tpb.python.PythonInstall;
import dev.tpb.testing.Proc;
import dev.tpb.testing.Pythons;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real binaries: pyenv's interpreters (shared libpython, absolute RUNPATH) and their libpython. */
class ElfFileTest {
    private static PythonInstall python() {
        return Pythons.stubCapable().get(0);
    }

    @Test
    void readsNeededAndRunpathOfARealInterpreter() throws IOException {
        PythonInstall p = python();
        ElfFile elf = ElfFile.read(p.executable().toRealPath());
        assertTrue(elf.isDynamic());
        assertTrue(elf.needed().contains(p.libpythonSoname().orElseThrow()), elf.needed()::toString);
        assertTrue(elf.needed().contains("libc.so.6"), elf.needed()::toString);
        String searchPath = elf.runpath().or(elf::rpath).orElseThrow();
        assertEquals(readelf(p.executable().toRealPath(), "RUNPATH").or(() -> readelf(p.executable(), "RPATH"))
                .orElseThrow(), searchPath);
    }

    @Test
    void readsTheSonameOfLibpython() {
        PythonInstall p = python();
        ElfFile lib = ElfFile.read(p.libpython().orElseThrow());
        assertEquals(p.libpythonSoname(), lib.soname());
    }

    @Test
    void rewritesTheSearchPathInPlaceAndTheBinaryStillRuns(@TempDir Path tmp) throws IOException {
        PythonInstall p = python();
        Path original = p.executable().toRealPath();
        byte[] image = Files.readAllBytes(original);
        byte[] patched = ElfFile.withSearchPath("python", image, "$ORIGIN/../lib").orElseThrow();
        assertEquals(image.length, patched.length);
        Path copy = tmp.resolve("bin/" + original.getFileName());
        Files.createDirectories(copy.getParent());
        Files.write(copy, patched);
        copy.toFile().setExecutable(true);
        ElfFile elf = ElfFile.read(copy);
        assertEquals(Optional.of("$ORIGIN/../lib"), elf.runpath().or(elf::rpath));
        assertEquals(ElfFile.read(original).needed(), elf.needed(), "other names are untouched");
        // Found through $ORIGIN/../lib now: without lib/ next to it, the loader cannot find libpython.
        Proc broken = Proc.run("env", "-i", copy.toString(), "-c", "print(1)");
        assertTrue(broken.exitCode() != 0 && broken.err().contains(p.libpythonSoname().orElseThrow()), broken::toString);
        Files.createDirectories(tmp.resolve("lib"));
        Files.createSymbolicLink(tmp.resolve("lib").resolve(p.libpythonSoname().orElseThrow()), p.libpython().orElseThrow());
        Proc works = Proc.run("env", "-i", copy.toString(), "-c", "print(6 * 7)");
        assertEquals("42\n", works.out(), works::toString);
    }

    @Test
    void aLongerSearchPathDoesNotFit() throws IOException {
        byte[] image = Files.readAllBytes(python().executable().toRealPath());
        assertFalse(ElfFile.withSearchPath("python", image, "/" + "x".repeat(4096)).isPresent());
    }

    @Test
    void notAnElfFileIsNamed(@TempDir Path tmp) throws IOException {
        Path text = tmp.resolve("script.sh");
        Files.writeString(text, "#!/bin/sh\n".repeat(10));
        assertFalse(ElfFile.isElf(text));
        TpbException e = assertThrows(TpbException.class, () -> ElfFile.read(text));
        assertEquals(text + " is not an ELF file", e.getMessage());
    }

    private static Optional<String> readelf(Path file, String tag) {
        Proc p = Proc.run("readelf", "-d", file.toString());
        return p.out().lines().filter(l -> l.contains("(" + tag + ")")).findFirst()
                .map(l -> l.substring(l.indexOf('[') + 1, l.lastIndexOf(']')));
    }
}
