package dev.tpb.doctor;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.ipc.ShmRegion;
import dev.tpb.python.PythonFinder;
import dev.tpb.python.PythonInstall;
import dev.tpb.runtime.Allocator;
import dev.tpb.stub.CCompiler;
import dev.tpb.stub.StubBuilder;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Looks at what tpb needs on this machine (Java, a C compiler, Pythons with shared libpython and headers, a big
 * enough /dev/shm, the allocators, tpb's cache, the stubs in a backends directory) and says what to fix.
 */
public final class Doctor {
    /** Docker's default /dev/shm is 64 MB; every stub needs at least 1 MiB, big tensors much more. */
    static final long SMALL_SHM = 256L << 20;

    private final Map<String, String> env;
    private final Path cacheDir;
    private final Path backendsDir;
    private final Reporter reporter;

    public Doctor(Map<String, String> env, Path cacheDir, Path backendsDir, Reporter reporter) {
        this.env = env;
        this.cacheDir = cacheDir;
        this.backendsDir = backendsDir;
        this.reporter = reporter;
    }

    public List<Check> run() {
        List<Check> checks = new ArrayList<>();
        checks.add(java());
        checks.add(compiler());
        checks.addAll(pythons());
        checks.add(sharedMemory());
        checks.add(allocator("tcmalloc", "libgoogle-perftools4"));
        checks.add(allocator("jemalloc", "libjemalloc2"));
        checks.add(cache());
        checks.addAll(backends());
        return checks;
    }

    private static Check java() {
        String version = System.getProperty("java.version");
        int feature = Runtime.version().feature();
        List<String> options = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(o -> !o.startsWith("-XX:SharedArchiveFile") && !o.startsWith("-Xshare") && !o.startsWith("-Xlog"))
                .toList();
        String detail = "Java " + version + " (" + System.getProperty("java.home") + ")"
                + (options.isEmpty() ? "" : ", JVM options: " + String.join(" ", options));
        return feature >= 17 ? Check.ok("java", detail)
                : Check.fail("java", "Java " + version, "tpb needs Java 17 or newer");
    }

    private Check compiler() {
        try {
            CCompiler cc = CCompiler.find(null, env);
            return Check.ok("c compiler", cc.version() + " (" + cc.path() + ")");
        } catch (TpbException e) {
            return Check.fail("c compiler", "none found", "tpb build-stub needs one: apt-get install gcc");
        }
    }

    private List<Check> pythons() {
        List<Check> checks = new ArrayList<>();
        List<PythonInstall> found = PythonFinder.system(reporter).all();
        boolean usable = false;
        for (PythonInstall p : found) {
            String what = "Python " + p.version() + " (" + p.executable() + ")";
            if (p.version().compareTo(PythonFinder.OLDEST_SUPPORTED) < 0) {
                checks.add(Check.info("python", what + ": too old for tpb's stub (3.8+)"));
            } else if (!p.hasSharedLibpython()) {
                checks.add(Check.warn("python", what + ": no shared libpython", "use a Python built with "
                        + "--enable-shared (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install "
                        + p.version().minorString() + ")"));
            } else if (!p.hasHeaders()) {
                checks.add(Check.warn("python", what + ": no headers (Python.h)", "apt-get install python"
                        + p.version().minorString() + "-dev"));
            } else {
                usable = true;
                checks.add(Check.ok("python", what + ": stub can be built"));
            }
        }
        if (!usable) {
            checks.add(Check.fail("python", "no Python 3.8+ with a shared libpython and headers",
                    "install one, e.g. with pyenv or conda, or Debian's python3-dev"));
        }
        return checks;
    }

    private static Check sharedMemory() {
        Path shm = ShmRegion.SHM_DIR;
        if (!Files.isDirectory(shm) || !Files.isWritable(shm)) {
            return Check.fail("/dev/shm", shm + " is missing or not writable", "stubs exchange tensors through it");
        }
        try {
            FileStore store = Files.getFileStore(shm);
            long total = store.getTotalSpace();
            long free = store.getUsableSpace();
            String detail = mib(free) + " free of " + mib(total);
            int regions = 0;
            try (DirectoryStream<Path> s = Files.newDirectoryStream(shm, "tpb_*")) {
                for (Path ignored : s) {
                    regions++;
                }
            }
            if (regions > 0) {
                detail += "; " + regions + " tpb region(s) in use or left behind (cleaned at the next tpb start)";
            }
            return total < SMALL_SHM
                    ? Check.warn("/dev/shm", detail, "small: in docker, start the container with --shm-size=1g")
                    : Check.ok("/dev/shm", detail);
        } catch (IOException e) {
            return Check.fail("/dev/shm", "cannot read " + shm + ": " + e.getMessage(), "");
        }
    }

    private static Check allocator(String name, String debianPackage) {
        try {
            return Check.ok(name, "--malloc " + name + " uses " + Allocator.resolve(name).library().orElseThrow());
        } catch (TpbException e) {
            return Check.info(name, "not installed (apt-get install " + debianPackage + " to use --malloc " + name + ")");
        }
    }

    private Check cache() {
        Path probe = cacheDir;
        while (probe != null && !Files.exists(probe)) {
            probe = probe.getParent();
        }
        if (probe == null || !Files.isWritable(probe)) {
            return Check.warn("cache", cacheDir + " is not writable",
                    "set TPB_CACHE_DIR to a writable directory (stubs built on demand, extracted environments)");
        }
        return Check.ok("cache", cacheDir.toString());
    }

    private List<Check> backends() {
        List<Check> checks = new ArrayList<>();
        if (!Files.isDirectory(backendsDir)) {
            checks.add(Check.info("backends", backendsDir.toAbsolutePath() + " does not exist: models with backend "
                    + "\"python\" get a stub built on demand; make one with tpb build-stub"));
            return checks;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(backendsDir)) {
            for (Path dir : dirs) {
                Path stub = dir.resolve(StubBuilder.STUB_NAME);
                if (!Files.exists(stub)) {
                    continue;
                }
                checks.add(StubProbe.check(stub));
            }
        } catch (IOException e) {
            checks.add(Check.fail("backends", "cannot list " + backendsDir + ": " + e.getMessage(), ""));
        }
        return checks;
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }
}
