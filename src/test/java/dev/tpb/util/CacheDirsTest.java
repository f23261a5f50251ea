package dev.tpb.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheDirsTest {
    private static final Path HOME = Path.of("/home/someone");

    @Test
    void explicitThenXdgThenHome() {
        assertEquals(Path.of("/x/cache"), CacheDirs.root(Map.of("TPB_CACHE_DIR", "/x/cache", "XDG_CACHE_HOME", "/xdg"), HOME));
        assertEquals(Path.of("/xdg/tpb"), CacheDirs.root(Map.of("XDG_CACHE_HOME", "/xdg"), HOME));
        assertEquals(Path.of("/home/someone/.cache/tpb"), CacheDirs.root(Map.of(), HOME));
        assertEquals(Path.of("/home/someone/.cache/tpb"), CacheDirs.root(Map.of("TPB_CACHE_DIR", ""), HOME));
    }
}
