package dev.tpb.util;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where tpb keeps what it can rebuild (stubs built on demand, extracted environments): $TPB_CACHE_DIR, else
 * $XDG_CACHE_HOME/tpb, else ~/.cache/tpb. The system property tpb.cache.dir overrides all (tests use it).
 */
public final class CacheDirs {
    private CacheDirs() {
    }

    public static Path root() {
        String property = System.getProperty("tpb.cache.dir");
        if (property != null && !property.isEmpty()) {
            return Path.of(property);
        }
        return root(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static Path root(Map<String, String> env, Path home) {
        String explicit = env.get("TPB_CACHE_DIR");
        if (explicit != null && !explicit.isEmpty()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "tpb");
        }
        return home.resolve(".cache").resolve("tpb");
    }
}
