package dev.tpb.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.env.archive.ArchiveFormat;
import dev.tpb.env.archive.TarSink;
import dev.tpb.testing.Tpb;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile archives are refused with the entry named, as Triton r26.06+ does; good ones extract in any format. */
class ExtractorTest {
    @TempDir
    Path tmp;

    private interface Entries {
        void write(TarSink tar) throws IOException;
    }

    private Path archive(String name, ArchiveFormat format, Entries entries) throws IOException {
        Path file = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); TarSink tar = new TarSink(out, format, 6, 2)) {
            entries.write(tar);
            tar.finish();
        }
        return file;
    }

    private static void file(TarSink tar, String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        tar.file(name, 0644, 1_700_000_000L, b, b.length);
    }

    private TpbException refused(Path archive) throws IOException {
        Path dest = Files.createDirectories(tmp.resolve("dest-" + archive.getFileName()));
        return assertThrows(TpbException.class, () -> Extractor.extract(archive, dest, Reporter.SILENT));
    }

    @Test
    void refusesDotDot() throws IOException {
        Path a = archive("dotdot.tar", ArchiveFormat.TAR, t -> file(t, "lib/../../escaped.txt", "x"));
        assertTrue(refused(a).getMessage().contains("refusing archive entry 'lib/../../escaped.txt': the path contains '..'"));
        assertFalse(Files.exists(tmp.resolve("escaped.txt")));
    }

    @Test
    void refusesAbsoluteNames() throws IOException {
        Path a = archive("absolute.tar.gz", ArchiveFormat.TAR_GZ, t -> file(t, "/tmp/absolute.txt", "x"));
        assertTrue(refused(a).getMessage().contains("'/tmp/absolute.txt': the path is absolute"));
    }

    @Test
    void refusesWritingThroughAnArchivedSymlink() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path a = archive("through.tar.zst", ArchiveFormat.TAR_ZST, t -> {
            t.symlink("lib64", outside.toString(), 0);
            file(t, "lib64/evil.txt", "x");
        });
        TpbException e = refused(a);
        assertTrue(e.getMessage().contains("'lib64/evil.txt': it would be written through the symlink 'lib64'"),
                e.getMessage());
        assertFalse(Files.exists(outside.resolve("evil.txt")));
    }

    @Test
    void refusesAHardLinkToAFileOutside() throws IOException {
        Path a = archive("hardlink.tar", ArchiveFormat.TAR, t -> t.hardlink("link", "../../etc/passwd", 0644, 0));
        assertTrue(refused(a).getMessage().contains("'../../etc/passwd': the path contains '..'"));
    }

    @Test
    void replacesASymlinkAtTheEntryPathInsteadOfFollowingIt() throws IOException {
        Path victim = tmp.resolve("victim.txt");
        Files.writeString(victim, "keep me");
        Path a = archive("replace.tar", ArchiveFormat.TAR, t -> {
            t.symlink("config", victim.toString(), 0);
            file(t, "config", "new content");
        });
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Extractor.extract(a, dest, Reporter.SILENT);
        assertEquals("keep me", Files.readString(victim));
        assertEquals("new content", Files.readString(dest.resolve("config")));
        assertFalse(Files.isSymbolicLink(dest.resolve("config")));
    }

    @Test
    void extractsAnyFormatToldApartByContentWithModesTimesAndLinks() throws IOException {
        for (ArchiveFormat format : new ArchiveFormat[] {ArchiveFormat.TAR, ArchiveFormat.TAR_GZ, ArchiveFormat.TAR_ZST}) {
            Path a = archive("env-" + format.label() + ".bin", format, t -> {
                t.directory("bin", 0755, 1_600_000_000L);
                t.file("bin/tool", 04755, 1_600_000_001L, "#!/bin/sh\n".getBytes(), 10);
                t.hardlink("bin/tool2", "bin/tool", 0755, 1_600_000_001L);
                t.symlink("bin/python3", "python3.11", 0);
                file(t, "lib/" + "d/".repeat(70) + "deep.txt", "long name");
            });
            assertEquals(format, Extractor.detect(a));
            Path dest = Files.createDirectories(tmp.resolve("ok-" + format.label()));
            Extractor.extract(a, dest, Reporter.SILENT);
            Path tool = dest.resolve("bin/tool");
            assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(tool)), "setuid is dropped");
            assertEquals(1_600_000_001L, Files.getLastModifiedTime(tool).toMillis() / 1000);
            assertEquals(1_600_000_000L, Files.getLastModifiedTime(dest.resolve("bin")).toMillis() / 1000);
            assertEquals(Files.getAttribute(tool, "unix:ino"), Files.getAttribute(dest.resolve("bin/tool2"), "unix:ino"));
            assertEquals(Path.of("python3.11"), Files.readSymbolicLink(dest.resolve("bin/python3")));
            assertEquals("long name", Files.readString(dest.resolve("lib/" + "d/".repeat(70) + "deep.txt")));
        }
    }

    @Test
    void notAnArchiveIsNamed() throws IOException {
        Path text = tmp.resolve("model.py");
        Files.writeString(text, "print('hi')\n".repeat(100));
        TpbException e = assertThrows(TpbException.class, () -> Extractor.detect(text));
        assertTrue(e.getMessage().startsWith(text + " is not a tar, tar.gz or tar.zst archive"), e.getMessage());
    }

    @Test
    void unpackEnvCommandRefusesAHostileArchiveAndLeavesNoDirectory() throws IOException {
        Path a = archive("dotdot.tar.gz", ArchiveFormat.TAR_GZ, t -> file(t, "../x", "x"));
        Path dest = tmp.resolve("unpacked");
        Tpb r = Tpb.run("unpack-env", a.toString(), dest.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("'../x': the path contains '..'"), r::toString);
        assertFalse(Files.exists(dest));
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".unpacked")), "no temporary directory left");
        }
    }
}
