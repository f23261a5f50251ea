package dev.tpb.env.archive;

import java.io.IOException;
import java.io.InputStream;

/** Where packed entries go, in order: a tar stream (plain or compressed) or a directory. */
public interface EntrySink extends AutoCloseable {
    void directory(String path, int mode, long mtime) throws IOException;

    void symlink(String path, String target, long mtime) throws IOException;

    /** A hard link to an entry written earlier. */
    void hardlink(String path, String target, int mode, long mtime) throws IOException;

    void file(String path, int mode, long mtime, long size, InputStream content) throws IOException;

    void file(String path, int mode, long mtime, byte[] content, int length) throws IOException;

    /** Completes the output (end-of-archive blocks, compressor trailer, directory times). */
    void finish() throws IOException;

    /** Bytes written to the output so far (compressed bytes for a compressed archive). */
    long bytesOut();

    /** Releases resources; after a failure it writes nothing more. */
    @Override
    void close() throws IOException;
}
