package dev.tpb.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.testing.Tpb;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvCacheTest {
    @TempDir
    Path tmp;
    private Path archive;
    private final List<String> extractions = new CopyOnWriteArrayList<>();
    private final Reporter counting = new Reporter() {
        @Override
        public void info(String message) {
            if (message.startsWith("extracting")) {
                extractions.add(message);
            }
        }

        @Override
        public void warn(String message) {
        }

        @Override
        public void debug(String message) {
        }
    };

    @BeforeEach
    void packAnEnv() throws IOException {
        Path prefix = EnvFixtures.fakePrefix(tmp.resolve("src"));
        archive = tmp.resolve("env.tar.gz");
        Tpb r = Tpb.run("pack-env", "--prefix", prefix.toString(), "-o", archive.toString());
        assertEquals(0, r.exitCode(), r::toString);
    }

    @Test
    void aDirectoryIsUsedInPlace() throws IOException {
        EnvCache cache = new EnvCache(tmp.resolve("cache"), counting);
        Path link = Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("src"));
        try (EnvCache.Lease lease = cache.acquire(link)) {
            assertEquals(tmp.resolve("src").toRealPath(), lease.path());
        }
        assertFalse(Files.exists(tmp.resolve("cache")));
    }

    @Test
    void anArchiveIsExtractedOnceEvenWhenManyThreadsAskAtOnce() throws Exception {
        EnvCache cache = new EnvCache(tmp.resolve("cache"), counting);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Path>> results = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            results.add(pool.submit(() -> {
                start.await();
                try (EnvCache.Lease lease = new EnvCache(tmp.resolve("cache"), counting).acquire(archive)) {
                    return lease.path();
                }
            }));
        }
        start.countDown();
        Path first = results.get(0).get();
        for (Future<Path> f : results) {
            assertEquals(first, f.get());
        }
        pool.shutdown();
        assertEquals(1, extractions.size(), extractions::toString);
        assertTrue(Files.isRegularFile(first.resolve("bin/activate")));
        assertTrue(Files.isRegularFile(first.resolve("lib/python3.11/site-packages/pkg/__init__.py")));
        try (EnvCache.Lease again = cache.acquire(archive)) {
            assertEquals(first, again.path(), "a later call reuses the extraction");
        }
        assertEquals(1, extractions.size());
        try (var s = Files.list(tmp.resolve("cache"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("-tmp-")), "no temporary directory left");
        }
    }

    /** Extracts the archive and lets go of it at once, as a model that has been unloaded: the extraction's path. */
    private Path extractedAndReleased(EnvCache cache) {
        try (EnvCache.Lease lease = cache.acquire(archive)) {
            return lease.path();
        }
    }

    @Test
    void aChangedMtimeExtractsAgainAndDropsTheOldCopy() throws IOException {
        EnvCache cache = new EnvCache(tmp.resolve("cache"), counting);
        Path first = extractedAndReleased(cache);
        touch(archive);
        try (EnvCache.Lease lease = cache.acquire(archive)) {
            assertNotEquals(first, lease.path());
            assertEquals(2, extractions.size());
            assertFalse(Files.exists(first), "the extraction of the old mtime is removed");
            assertTrue(Files.isRegularFile(lease.path().resolve("bin/activate")));
        }
    }

    @Test
    void anExtractionInUseIsKeptUntilReleased() throws IOException {
        EnvCache cache = new EnvCache(tmp.resolve("cache"), counting);
        EnvCache.Lease old = cache.acquire(archive);
        EnvCache.Lease sharer = cache.acquire(archive); // a second model of this process on the same archive
        touch(archive);
        try (EnvCache.Lease updated = cache.acquire(archive)) {
            assertNotEquals(old.path(), updated.path());
            assertTrue(Files.isRegularFile(old.path().resolve("bin/activate")), "still used: kept");
            old.close();
            try (EnvCache.Lease again = cache.acquire(archive)) {
                assertTrue(Files.isRegularFile(sharer.path().resolve("bin/activate")), "the other model still uses it");
            }
            sharer.close();
            try (EnvCache.Lease again = cache.acquire(archive)) {
                assertEquals(updated.path(), again.path());
                assertFalse(Files.exists(old.path()), "released by every model: removed at the next load");
            }
        }
    }

    @Test
    void anExtractionAnotherProcessUsesIsKept() throws Exception {
        EnvCache cache = new EnvCache(tmp.resolve("cache"), counting);
        Path first = extractedAndReleased(cache);
        // Another process holds it as another tpb would: a shared POSIX lock on its .inuse file.
        Path marker = first.resolveSibling(first.getFileName() + ".inuse");
        Process other = new ProcessBuilder("python3", "-c", "import fcntl, sys; f = open(sys.argv[1], 'a+'); "
                + "fcntl.lockf(f, fcntl.LOCK_SH); print('held', flush=True); sys.stdin.read()", marker.toString())
                .redirectErrorStream(true).start();
        try {
            assertEquals("held", new String(other.getInputStream().readNBytes(4), StandardCharsets.UTF_8));
            touch(archive);
            try (EnvCache.Lease updated = cache.acquire(archive)) {
                assertNotEquals(first, updated.path());
                assertTrue(Files.isRegularFile(first.resolve("bin/activate")), "in use by another process: kept");
            }
        } finally {
            other.getOutputStream().close();
            other.waitFor();
        }
        try (EnvCache.Lease again = cache.acquire(archive)) {
            assertFalse(Files.exists(first), "released: removed at the next load");
            assertFalse(Files.exists(marker));
        }
    }

    private static void touch(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
    }

    @Test
    void missingPathsAndNonArchivesAreNamed() throws IOException {
        EnvCache cache = new EnvCache(tmp.resolve("cache"), counting);
        TpbException missing = assertThrows(TpbException.class, () -> cache.acquire(tmp.resolve("nope.tar.gz")));
        assertTrue(missing.getMessage().contains("nope.tar.gz: no such file or directory"), missing.getMessage());
        Path text = tmp.resolve("env.tar.gz.txt");
        Files.writeString(text, "not an archive at all, just text that is long enough to be looked at\n".repeat(20));
        TpbException wrong = assertThrows(TpbException.class, () -> cache.acquire(text));
        assertTrue(wrong.getMessage().contains("is not a tar, tar.gz or tar.zst archive"), wrong.getMessage());
    }

    @Test
    void defaultRootIsInTpbsCache() {
        assertEquals(dev.tpb.util.CacheDirs.root().resolve("envs"), EnvCache.defaultRoot());
    }
}
