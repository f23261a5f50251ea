package dev.tpb.runtime;

import dev.tpb.UsageException;
import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The memory allocator preloaded into stubs (--malloc): the system's (glibc), tcmalloc, jemalloc, or a
 * library named by path. Only the stub gets it in LD_PRELOAD, never the JVM.
 *
 * @param name    what the user asked for: system, tcmalloc, jemalloc or a path
 * @param library the shared object to preload, empty for the system allocator
 */
public record Allocator(String name, Optional<Path> library) {
    public static final Allocator SYSTEM = new Allocator("system", Optional.empty());

    public static Allocator resolve(String spec) {
        return switch (spec) {
            case "system", "glibc", "" -> SYSTEM;
            case "tcmalloc" -> find("tcmalloc", List.of("libtcmalloc.so.4", "libtcmalloc_minimal.so.4"),
                    "libgoogle-perftools4 (Ubuntu 24.04: libgoogle-perftools4t64)");
            case "jemalloc" -> find("jemalloc", List.of("libjemalloc.so.2"), "libjemalloc2");
            default -> {
                Path path = Path.of(spec);
                if (!spec.contains("/") && !spec.endsWith(".so") && !spec.contains(".so.")) {
                    throw new UsageException("--malloc " + spec + ": expected system, tcmalloc, jemalloc or the path of "
                            + "a shared library");
                }
                if (!Files.isRegularFile(path)) {
                    throw new TpbException("--malloc " + spec + ": no such file");
                }
                yield new Allocator(spec, Optional.of(path.toAbsolutePath()));
            }
        };
    }

    private static Allocator find(String name, List<String> files, String debianPackage) {
        List<Path> dirs = libraryDirs();
        for (String file : files) {
            for (Path dir : dirs) {
                Path candidate = dir.resolve(file);
                if (Files.isRegularFile(candidate)) {
                    return new Allocator(name, Optional.of(candidate));
                }
            }
        }
        throw new TpbException("--malloc " + name + ": " + files.get(0) + " was not found in " + dirs.get(0)
                + "; install it with 'apt-get install " + debianPackage + "' or pass --malloc PATH");
    }

    private static List<Path> libraryDirs() {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> System.getProperty("os.arch");
        };
        return List.of(Path.of("/usr/lib/" + arch + "-linux-gnu"), Path.of("/usr/lib64"), Path.of("/usr/lib"),
                Path.of("/usr/local/lib"));
    }

    /** Is the library mapped into the process? Reads /proc/<pid>/maps. */
    public boolean loadedInto(long pid) {
        if (library.isEmpty()) {
            return true;
        }
        try {
            Path real = library.get().toRealPath();
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps")).stream()
                    .anyMatch(line -> line.endsWith(real.toString()) || line.endsWith(library.get().toString()));
        } catch (IOException e) {
            return false;
        }
    }
}
