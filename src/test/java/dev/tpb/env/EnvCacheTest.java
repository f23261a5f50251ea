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
        assertEquals(tmp.resolve("src").toRealPath(), cache.resolve(link));
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
                return new EnvCache(tmp.resolve("cache"), counting).resolve(archive);
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
        assertEquals(first, cache.resolve(archive), "a later call reuses the extraction");
        assertEquals(1, extractions.size());
        try (var s = Files.list(tmp.resolve("cache"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("-tmp-")), "no temporary directory left");
        }
    }

    @Test
    void aChangedMtimeExtractsAgainAndDropsTheOldCopy() throws IOException {
        EnvCache cache = new EnvCache(tmp.resolve("cache"), counting);
        Path first = cache.resolve(archive);
        Files.setLastModifiedTime(archive, FileTime.fromMillis(Files.getLastModifiedTime(archive).toMillis() + 5000));
        Path second = cache.resolve(archive);
        assertNotEquals(first, second);
        assertEquals(2, extractions.size());
        assertFalse(Files.exists(first), "the extraction of the old mtime is removed");
        assertTrue(Files.isRegularFile(second.resolve("bin/activate")));
    }

    @Test
    void missingPathsAndNonArchivesAreNamed() throws IOException {
        EnvCache cache = new EnvCache(tmp.resolve("cache"), counting);
        TpbException missing = assertThrows(TpbException.class, () -> cache.resolve(tmp.resolve("nope.tar.gz")));
        assertTrue(missing.getMessage().contains("nope.tar.gz: no such file or directory"), missing.getMessage());
        Path text = tmp.resolve("env.tar.gz.txt");
        Files.writeString(text, "not an archive at all, just text that is long enough to be looked at\n".repeat(20));
        TpbException wrong = assertThrows(TpbException.class, () -> cache.resolve(text));
        assertTrue(wrong.getMessage().contains("is not a tar, tar.gz or tar.zst archive"), wrong.getMessage());
    }

    @Test
    void defaultRootIsInTpbsCache() {
        assertEquals(dev.tpb.util.CacheDirs.root().resolve("envs"), EnvCache.defaultRoot());
    }
}
