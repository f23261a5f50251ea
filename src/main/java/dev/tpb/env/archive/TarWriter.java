package dev.tpb.env.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a GNU-format tar stream with deterministic headers: owner 0/0 with empty names, integer mtimes,
 * modes without setuid/setgid/sticky, names longer than 100 bytes as GNU long-name entries (never PAX records),
 * sizes beyond the octal field in base-256. Libarchive (bsdtar, Triton), GNU tar and Python's tarfile read it.
 */
public final class TarWriter {
    private static final int BLOCK = 512;
    private static final byte[] ZEROS = new byte[BLOCK * 2];
    private static final String LONG_LINK = "././@LongLink";

    private final OutputStream out;
    private final byte[] header = new byte[BLOCK];
    private long written;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Bytes of tar stream written so far. */
    public long written() {
        return written;
    }

    public void directory(String name, int mode, long mtime) throws IOException {
        writeHeader(name.endsWith("/") ? name : name + "/", mode, 0, mtime, (byte) '5', "");
    }

    public void symlink(String name, String target, long mtime) throws IOException {
        writeHeader(name, 0777, 0, mtime, (byte) '2', target);
    }

    public void hardlink(String name, String target, int mode, long mtime) throws IOException {
        writeHeader(name, mode, 0, mtime, (byte) '1', target);
    }

    /** A regular file whose content is {@code size} bytes read from {@code content}. */
    public void file(String name, int mode, long mtime, long size, InputStream content, byte[] buffer)
            throws IOException {
        writeHeader(name, mode, size, mtime, (byte) '0', "");
        long left = size;
        while (left > 0) {
            int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException(name + " shrank while it was being archived (" + left + " bytes missing)");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
        written += size;
        pad(size);
    }

    /** A regular file whose content is already in memory. */
    public void file(String name, int mode, long mtime, byte[] content, int length) throws IOException {
        writeHeader(name, mode, length, mtime, (byte) '0', "");
        out.write(content, 0, length);
        written += length;
        pad(length);
    }

    /** The two zero blocks that end an archive. Does not close the underlying stream. */
    public void finish() throws IOException {
        out.write(ZEROS);
        written += ZEROS.length;
    }

    private void writeHeader(String name, int mode, long size, long mtime, byte type, String link)
            throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
        if (linkBytes.length > 100) {
            longName((byte) 'K', linkBytes);
        }
        if (nameBytes.length > 100) {
            longName((byte) 'L', nameBytes);
        }
        fill(nameBytes, linkBytes, mode & 0777, size, mtime, type);
        out.write(header);
        written += BLOCK;
    }

    /** A GNU long-name ('L') or long-link ('K') pseudo entry carrying the full name as its data. */
    private void longName(byte type, byte[] name) throws IOException {
        byte[] data = Arrays.copyOf(name, name.length + 1);
        fill(LONG_LINK.getBytes(StandardCharsets.US_ASCII), new byte[0], 0644, data.length, 0, type);
        out.write(header);
        out.write(data);
        written += BLOCK + data.length;
        pad(data.length);
    }

    private void fill(byte[] name, byte[] link, int mode, long size, long mtime, byte type) {
        Arrays.fill(header, (byte) 0);
        System.arraycopy(name, 0, header, 0, Math.min(100, name.length));
        octal(mode, 100, 8);
        octal(0, 108, 8);
        octal(0, 116, 8);
        number(size, 124, 12);
        number(Math.max(0, mtime), 136, 12);
        header[156] = type;
        System.arraycopy(link, 0, header, 157, Math.min(100, link.length));
        byte[] magic = "ustar  ".getBytes(StandardCharsets.US_ASCII); // GNU magic and version: "ustar  \0"
        System.arraycopy(magic, 0, header, 257, magic.length);
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        String chk = String.format("%06o", sum);
        for (int i = 0; i < 6; i++) {
            header[148 + i] = (byte) chk.charAt(i);
        }
        header[154] = 0;
        header[155] = ' ';
    }

    private void octal(long value, int offset, int length) {
        String s = Long.toOctalString(value);
        int digits = length - 1;
        for (int i = 0; i < digits; i++) {
            int from = s.length() - digits + i;
            header[offset + i] = (byte) (from < 0 ? '0' : s.charAt(from));
        }
        header[offset + digits] = 0;
    }

    /** Octal when it fits in the field, otherwise GNU base-256 (high bit set, big-endian binary). */
    private void number(long value, int offset, int length) {
        if (value < (1L << (3 * (length - 1)))) {
            octal(value, offset, length);
            return;
        }
        for (int i = length - 1; i > 0; i--) {
            header[offset + i] = (byte) value;
            value >>>= 8;
        }
        header[offset] = (byte) 0x80;
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            out.write(ZEROS, 0, BLOCK - rest);
            written += BLOCK - rest;
        }
    }
}
