package dev.tpb.env.archive;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Packs entries into a tar stream, optionally through parallel gzip or multi-threaded zstd. */
public final class TarSink implements EntrySink {
    private final CountingOutputStream counted;
    private final OutputStream stream;
    private final OutputStream tarOut;
    private final TarWriter tar;
    private final byte[] buffer = new byte[256 * 1024];
    private boolean finished;

    public TarSink(OutputStream target, ArchiveFormat format, int level, int threads) throws IOException {
        this.counted = new CountingOutputStream(new BufferedOutputStream(target, 1 << 20));
        this.stream = switch (format) {
            case TAR_GZ -> new ParallelGzipOutputStream(counted, level, threads);
            case TAR_ZST -> zstd(counted, level, threads);
            case TAR -> counted;
            case DIR -> throw new IllegalArgumentException("a directory is not a tar stream");
        };
        this.tarOut = format == ArchiveFormat.TAR ? stream : new BufferedOutputStream(stream, 1 << 16);
        this.tar = new TarWriter(tarOut);
    }

    private static OutputStream zstd(OutputStream out, int level, int threads) throws IOException {
        ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, level);
        // Always at least one worker: zstd's multi-threaded output is the same for any worker count, so the
        // archive does not depend on --threads.
        z.setWorkers(Math.max(1, threads));
        z.setChecksum(true);
        return z;
    }

    @Override
    public void directory(String path, int mode, long mtime) throws IOException {
        tar.directory(path, mode, mtime);
    }

    @Override
    public void symlink(String path, String target, long mtime) throws IOException {
        tar.symlink(path, target, mtime);
    }

    @Override
    public void hardlink(String path, String target, int mode, long mtime) throws IOException {
        tar.hardlink(path, target, mode, mtime);
    }

    @Override
    public void file(String path, int mode, long mtime, long size, InputStream content) throws IOException {
        tar.file(path, mode, mtime, size, content, buffer);
    }

    @Override
    public void file(String path, int mode, long mtime, byte[] content, int length) throws IOException {
        tar.file(path, mode, mtime, content, length);
    }

    @Override
    public void finish() throws IOException {
        tar.finish();
        finished = true;
        tarOut.close(); // flushes through the compressor (its trailer) down to the target
    }

    @Override
    public long bytesOut() {
        return counted.count;
    }

    @Override
    public void close() throws IOException {
        if (!finished) {
            // Abandoned: stop the workers and release native memory; the caller deletes the output.
            finished = true;
            if (stream instanceof ParallelGzipOutputStream gz) {
                gz.abort();
            } else if (stream instanceof ZstdOutputStreamNoFinalizer z) {
                try {
                    z.close();
                } catch (IOException ignored) {
                    // the output is being thrown away
                }
            }
        }
    }

    /** Counts bytes on their way to the target. */
    static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
