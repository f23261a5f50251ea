package dev.tpb.env;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.env.archive.ArchiveFormat;
import dev.tpb.env.archive.DirWriter;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Extracts a gzip, zstd or plain tar archive (told apart by content, not by name) into a directory, refusing
 * entries with {@code ..}, absolute names and writes through symlinks (see {@link DirWriter}).
 */
public final class Extractor {
    private Extractor() {
    }

    /** The archive format of a file, from its first bytes. */
    public static ArchiveFormat detect(Path file) {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new TpbException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return ArchiveFormat.TAR_GZ;
        }
        if (n >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return ArchiveFormat.TAR_ZST;
        }
        if (n == 512 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            return ArchiveFormat.TAR;
        }
        if (n == 512 && validV7Checksum(head)) {
            return ArchiveFormat.TAR;
        }
        throw new TpbException(file + " is not a tar, tar.gz or tar.zst archive (Triton reads a gzip tar, a "
                + "plain tar or a directory)");
    }

    /** Extracts into {@code dest}, which must exist (and normally be empty). Returns the number of entries. */
    public static int extract(Path archive, Path dest, Reporter reporter) {
        ArchiveFormat format = detect(archive);
        int count = 0;
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), 1 << 20);
             InputStream data = decompress(file, format);
             TarArchiveInputStream tar = new TarArchiveInputStream(data, StandardCharsets.UTF_8.name())) {
            DirWriter out = new DirWriter(dest);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName();
                long mtime = entry.getModTime().getTime() / 1000;
                int mode = entry.getMode() & 07777;
                if (entry.isDirectory()) {
                    out.directory(name, mode, mtime);
                } else if (entry.isSymbolicLink()) {
                    out.symlink(name, entry.getLinkName(), mtime);
                } else if (entry.isLink()) {
                    out.hardlink(name, entry.getLinkName());
                } else if (entry.isFile()) {
                    out.file(name, mode, mtime, tar, entry.getSize());
                } else {
                    reporter.debug(archive + ": skipping '" + name + "' (not a file, directory or link)");
                    continue;
                }
                count++;
            }
            out.finish();
        } catch (TpbException e) {
            throw new TpbException(archive + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new TpbException("cannot extract " + archive + ": " + e.getMessage(), e);
        }
        return count;
    }

    private static InputStream decompress(InputStream in, ArchiveFormat format) throws IOException {
        return switch (format) {
            case TAR_GZ -> new GZIPInputStream(in, 1 << 16);
            case TAR_ZST -> new ZstdInputStreamNoFinalizer(in);
            default -> in;
        };
    }

    private static boolean validV7Checksum(byte[] h) {
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        String field = new String(h, 148, 8, StandardCharsets.US_ASCII).replace("\0", " ").strip();
        try {
            return !field.isEmpty() && Long.parseLong(field, 8) == sum && h[0] != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
