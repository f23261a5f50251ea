package dev.tpb.cli;

import dev.tpb.env.PackListener;
import java.io.PrintWriter;

/** One self-overwriting line on stderr: bytes, files, rate, ETA. Redrawn at most ten times a second. */
final class ProgressBar implements PackListener {
    private static final int WIDTH = 24;
    private final PrintWriter err;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int totalFiles;
    private long totalBytes;

    ProgressBar(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void planned(int files, long bytes) {
        totalFiles = files;
        totalBytes = bytes;
    }

    @Override
    public void progress(int files, long bytesIn, long bytesOut) {
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && files < totalFiles) {
            return;
        }
        lastDraw = now;
        double fraction = totalBytes == 0 ? 1 : Math.min(1, (double) bytesIn / totalBytes);
        int filled = (int) (fraction * WIDTH);
        double seconds = Math.max(1e-3, (now - start) / 1e9);
        double rate = bytesIn / seconds;
        long eta = rate <= 0 ? 0 : (long) ((totalBytes - bytesIn) / rate);
        err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] "
                + String.format("%3.0f%% %s/%s  %,d/%,d files  %s/s  ETA %ds ", fraction * 100,
                        Summary.bytes(bytesIn), Summary.bytes(totalBytes), files, totalFiles,
                        Summary.bytes((long) rate), eta)
                + "\u001b[K");
        err.flush();
    }

    void clear() {
        err.print("\r\u001b[K");
        err.flush();
    }
}
