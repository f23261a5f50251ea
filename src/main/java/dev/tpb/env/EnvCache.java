package dev.tpb.env;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Where the launcher gets an environment directory from an {@code EXECUTION_ENV_PATH}: a directory is used in
 * place; an archive is extracted once into the cache, keyed like Triton by its canonical path and mtime (plus
 * size), and extracted again when its mtime changes. Extraction goes to a temporary directory that is renamed
 * into place, under a lock file, so threads and processes resolving the same archive at once extract it once.
 * An extraction of an older mtime is removed only once no process uses it any more (see {@link Lease}).
 */
public final class EnvCache {
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path root;
    private final Reporter reporter;

    public EnvCache(Path root, Reporter reporter) {
        this.root = root.toAbsolutePath().normalize();
        this.reporter = reporter;
    }

    /** Environments extracted by tpb: {@code envs/} in tpb's cache ({@link dev.tpb.util.CacheDirs}). */
    public static Path defaultRoot() {
        return dev.tpb.util.CacheDirs.root().resolve("envs");
    }

    public Path root() {
        return root;
    }

    /**
     * An environment directory in use: the directory itself, or an extraction in the cache that stays on disk while
     * any lease on it is open, in this process or another (a shared lock on its {@code .inuse} file). Close it when
     * no stub runs in the environment any more.
     */
    public static final class Lease implements AutoCloseable {
        private final Path path;
        private boolean closed;

        private Lease(Path path) {
            this.path = path;
        }

        /** A directory used in place: nothing to hold. */
        public static Lease inPlace(Path directory) {
            return new Lease(directory);
        }

        public Path path() {
            return path;
        }

        @Override
        public void close() {
            synchronized (IN_USE) {
                if (closed) {
                    return;
                }
                closed = true;
                Holder h = IN_USE.get(path);
                if (h != null && --h.count == 0) {
                    IN_USE.remove(path);
                    h.release();
                }
            }
        }
    }

    /** This process's shared lock on one extraction, and how many leases use it. */
    private static final class Holder {
        final FileChannel channel;
        final FileLock lock;
        int count;

        Holder(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        void release() {
            try {
                lock.release();
                channel.close();
            } catch (IOException ignored) {
                // closing the channel releases the lock in any case
            }
        }
    }

    /** Extractions this process holds, by directory. */
    private static final Map<Path, Holder> IN_USE = new HashMap<>();

    /**
     * The environment directory for {@code archiveOrDirectory}: the directory itself (canonical), or the
     * archive's extraction in the cache (extracted now if needed), held until the lease is closed.
     */
    public Lease acquire(Path archiveOrDirectory) {
        Path canonical;
        try {
            canonical = archiveOrDirectory.toRealPath();
        } catch (IOException e) {
            throw new TpbException("execution environment " + archiveOrDirectory + ": no such file or directory");
        }
        if (Files.isDirectory(canonical)) {
            return Lease.inPlace(canonical);
        }
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(canonical, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new TpbException("cannot read " + canonical + ": " + e.getMessage(), e);
        }
        Extractor.detect(canonical); // a clear error for a file that is not an archive, before any work
        String slot = hash(canonical.toString());
        String version = attrs.lastModifiedTime().toMillis() + "-" + attrs.size();
        Path target = root.resolve(slot + "-" + version);
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new TpbException("cannot create the environment cache " + root + ": " + e.getMessage(), e);
        }
        // Under the archive's lock: whoever extracts or removes versions of it holds that lock too.
        Path lockFile = root.resolve(slot + ".lock");
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.lock()) {
            removeUnusedVersions(slot, target);
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                reporter.info("extracting " + canonical + " into " + target);
                Path temp = Files.createTempDirectory(root, "." + slot + "-tmp-");
                try {
                    Extractor.extract(canonical, temp, reporter);
                    Files.writeString(temp.resolve(".tpb-source"), canonical + "\n", StandardCharsets.UTF_8);
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    OutputTarget.deleteTree(temp);
                }
            }
            return hold(target);
        } catch (IOException e) {
            throw new TpbException("cannot extract " + canonical + " into " + root + ": " + e.getMessage(), e);
        } finally {
            jvmLock.unlock();
        }
    }

    private static Path inUseFile(Path extraction) {
        return extraction.resolveSibling(extraction.getFileName() + ".inuse");
    }

    private static Lease hold(Path target) throws IOException {
        synchronized (IN_USE) {
            Holder h = IN_USE.get(target);
            if (h == null) {
                FileChannel ch = FileChannel.open(inUseFile(target), StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                try {
                    h = new Holder(ch, ch.lock(0, Long.MAX_VALUE, true));
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
                IN_USE.put(target, h);
            }
            h.count++;
            return new Lease(target);
        }
    }

    /**
     * Extractions of other mtimes of the same archive (Triton also replaces them), unless a stub of this process
     * or another one still runs in them; they go at a later extraction or load of the archive.
     */
    private void removeUnusedVersions(String slot, Path keep) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith("." + slot + "-tmp-")) {
                    OutputTarget.deleteTree(p); // left by a process killed while extracting (we hold the lock)
                } else if (name.startsWith(slot + "-") && !p.equals(keep) && !name.endsWith(".inuse")
                        && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    removeUnlessInUse(p);
                }
            }
        }
    }

    private void removeUnlessInUse(Path extraction) throws IOException {
        synchronized (IN_USE) {
            if (IN_USE.containsKey(extraction)) {
                reporter.debug("keeping " + extraction + ": a model of this process still uses it");
                return;
            }
            Path marker = inUseFile(extraction);
            try (FileChannel ch = FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
                 FileLock lock = ch.tryLock(0, Long.MAX_VALUE, false)) {
                if (lock == null) {
                    reporter.debug("keeping " + extraction + ": another process still uses it");
                    return;
                }
                reporter.debug("removing the extraction of an older version: " + extraction);
                OutputTarget.deleteTree(extraction);
                Files.deleteIfExists(marker);
            }
        }
    }

    private static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
