package dev.tpb.env;

import dev.tpb.TpbException;
import dev.tpb.env.archive.ArchiveFormat;
import dev.tpb.util.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.FileVisitResult;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The output of a pack, written beside the target under a temporary name ({@code .NAME.tpb-PID-N.tmp}) and
 * renamed over it at the end. On an error, or on Ctrl-C (a shutdown hook), the temporary file or directory is
 * removed and an existing target is untouched. A process killed outright cannot clean up; its leftover is
 * recognised by the dead PID in its name and removed by the next pack to the same target.
 */
final class OutputTarget implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final Path target;
    private final ArchiveFormat format;
    private final Path temp;
    private final Thread cleanup;
    private FileChannel channel;
    private Thread flusher;
    private volatile boolean committed;

    private OutputTarget(Path target, ArchiveFormat format, Path temp) {
        this.target = target;
        this.format = format;
        this.temp = temp;
        this.cleanup = new Thread(() -> {
            if (!committed) {
                deleteTree(temp);
            }
        }, "tpb-pack-cleanup");
    }

    static OutputTarget open(Path target, ArchiveFormat format, boolean force) {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            if (!force) {
                throw new TpbException(target + " already exists; pass --force to replace it");
            }
            if (format != ArchiveFormat.DIR && Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
                throw new TpbException(target + " is a directory; refusing to replace it with a "
                        + format + " archive (use --format dir, or another -o)");
            }
        }
        Path dir = absolute.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TpbException("cannot create " + dir + ": " + AtomicFiles.describe(e), e);
        }
        removeStale(dir, absolute.getFileName().toString());
        Path temp = dir.resolve("." + absolute.getFileName() + ".tpb-" + ProcessHandle.current().pid() + "-"
                + COUNTER.incrementAndGet() + ".tmp");
        OutputTarget out = new OutputTarget(absolute, format, temp);
        Runtime.getRuntime().addShutdownHook(out.cleanup);
        try {
            if (format == ArchiveFormat.DIR) {
                Files.createDirectory(temp);
            } else {
                out.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                out.startFlusher();
            }
        } catch (IOException e) {
            out.close();
            throw new TpbException("cannot create " + temp + ": " + AtomicFiles.describe(e), e);
        }
        return out;
    }

    /**
     * Writes dirty pages back while the archive is still being produced, so that the fsync before the rename
     * does not have to write the whole archive at the end (most of that I/O overlaps with compression).
     */
    private void startFlusher() {
        FileChannel ch = channel;
        flusher = new Thread(() -> {
            try {
                while (ch.isOpen() && !Thread.currentThread().isInterrupted()) {
                    Thread.sleep(500);
                    ch.force(false);
                }
            } catch (InterruptedException | IOException e) {
                // closed or stopped: the final fsync in commit() is what guarantees durability
            }
        }, "tpb-pack-flush");
        flusher.setDaemon(true);
        flusher.start();
    }

    private void stopFlusher() {
        if (flusher != null) {
            flusher.interrupt();
            try {
                flusher.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            flusher = null;
        }
    }

    /** Where an archive's bytes go (not for directories). */
    OutputStream stream() {
        return Channels.newOutputStream(channel);
    }

    /** The temporary directory a directory output is built in. */
    Path directory() {
        return temp;
    }

    /** Flushes to disk and puts the output in place of the target. */
    void commit() throws IOException {
        if (channel != null) {
            stopFlusher();
            if (channel.isOpen()) {
                channel.force(true);
                channel.close();
            }
            AtomicFiles.move(temp, target);
        } else if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            Path old = target.resolveSibling("." + target.getFileName() + ".tpb-" + ProcessHandle.current().pid()
                    + "-" + COUNTER.incrementAndGet() + ".old");
            Files.move(target, old);
            Files.move(temp, target);
            deleteTree(old);
        } else {
            Files.deleteIfExists(target);
            Files.move(temp, target);
        }
        committed = true;
    }

    @Override
    public void close() {
        stopFlusher();
        try {
            if (channel != null && channel.isOpen()) {
                channel.close();
            }
        } catch (IOException ignored) {
            // the file is deleted below anyway
        }
        if (!committed) {
            deleteTree(temp);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down; the hook does the same
        }
    }

    /** Leftovers of packs to this target by processes that no longer exist. */
    private static void removeStale(Path dir, String name) {
        Pattern stale = Pattern.compile("\\." + Pattern.quote(name) + "\\.tpb-(\\d+)-\\d+\\.(tmp|old)");
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Matcher m = stale.matcher(p.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    deleteTree(p);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // best effort
        }
    }

    /** Removes a tree without following symlinks, also where packing left read-only directories. */
    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    dir.toFile().setWritable(true, true);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort: it is a temporary tree
        }
    }
}
