package dev.tpb.env.archive;

import java.io.IOException;
import java.io.InputStream;

/** Packs into a plain directory (the form Triton uses in place, without extraction). */
public final class DirSink implements EntrySink {
    private final DirWriter writer;
    private long bytes;

    public DirSink(java.nio.file.Path root) {
        this.writer = new DirWriter(root);
    }

    @Override
    public void directory(String path, int mode, long mtime) throws IOException {
        writer.directory(path, mode, mtime);
    }

    @Override
    public void symlink(String path, String target, long mtime) throws IOException {
        writer.symlink(path, target, mtime);
    }

    @Override
    public void hardlink(String path, String target, int mode, long mtime) throws IOException {
        writer.hardlink(path, target);
    }

    @Override
    public void file(String path, int mode, long mtime, long size, InputStream content) throws IOException {
        writer.file(path, mode, mtime, content, size);
        bytes += size;
    }

    @Override
    public void file(String path, int mode, long mtime, byte[] content, int length) throws IOException {
        writer.file(path, mode, mtime, content, length);
        bytes += length;
    }

    @Override
    public void finish() throws IOException {
        writer.finish();
    }

    @Override
    public long bytesOut() {
        return bytes;
    }

    @Override
    public void close() {
        // nothing held open between entries
    }
}
