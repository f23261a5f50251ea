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
     * The environment directory for {@code archiveOrDirectory}: the directory itself (canonical), or the
     * archive's extraction in the cache (extracted now if needed).
     */
    public Path resolve(Path archiveOrDirectory) {
        Path canonical;
        try {
            canonical = archiveOrDirectory.toRealPath();
        } catch (IOException e) {
            throw new TpbException("execution environment " + archiveOrDirectory + ": no such file or directory");
        }
        if (Files.isDirectory(canonical)) {
            return canonical;
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
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            return target;
        }
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new TpbException("cannot create the environment cache " + root + ": " + e.getMessage(), e);
        }
        Path lockFile = root.resolve(slot + ".lock");
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.lock()) {
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return target; // another thread or process extracted it while we waited
            }
            removeOtherVersions(slot, target);
            reporter.info("extracting " + canonical + " into " + target);
            Path temp = Files.createTempDirectory(root, "." + slot + "-tmp-");
            try {
                Extractor.extract(canonical, temp, reporter);
                Files.writeString(temp.resolve(".tpb-source"), canonical + "\n", StandardCharsets.UTF_8);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                OutputTarget.deleteTree(temp);
            }
            return target;
        } catch (IOException e) {
            throw new TpbException("cannot extract " + canonical + " into " + root + ": " + e.getMessage(), e);
        } finally {
            jvmLock.unlock();
        }
    }

    /** Extractions of older mtimes of the same archive (Triton also replaces them). */
    private void removeOtherVersions(String slot, Path keep) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith("." + slot + "-tmp-")) {
                    OutputTarget.deleteTree(p); // left by a process killed while extracting (we hold the lock)
                } else if (name.startsWith(slot + "-") && !p.equals(keep) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    reporter.debug("removing the extraction of an older version: " + p);
                    OutputTarget.deleteTree(p);
                }
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
