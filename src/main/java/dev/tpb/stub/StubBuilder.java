package dev.tpb.stub;

import dev.tpb.BuildInfo;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.python.PythonFinder;
import dev.tpb.python.PythonInstall;
import dev.tpb.util.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Compiles tpb's stub against one interpreter's headers and shared libpython, checks the result, and installs
 * it with its Python files as {@code <backends>/python_3_X/}. Builds are cached by (sources, interpreter,
 * compiler), so building the same stub again is a copy.
 */
public final class StubBuilder {
    public static final String STUB_NAME = "triton_python_backend_stub";

    private final Path cacheDir;
    private final CCompiler compiler;
    private final Reporter reporter;

    public StubBuilder(Path cacheDir, CCompiler compiler, Reporter reporter) {
        this.cacheDir = cacheDir;
        this.compiler = compiler;
        this.reporter = reporter;
    }

    /** The backend directory name for an interpreter: python_3_10. */
    public static String backendName(PythonInstall python) {
        return "python_" + python.version().underscored();
    }

    /** Builds (or takes from the cache) the stub for {@code python} and installs it in {@code targetDir}. */
    public BuiltStub build(PythonInstall python, Path targetDir, boolean force) {
        long start = System.nanoTime();
        checkBuildable(python);
        String key = cacheKey(python);
        Path entry = cacheDir.resolve(key);
        boolean cached = !force && Files.isRegularFile(entry.resolve(STUB_NAME));
        if (!cached) {
            compileInto(python, entry);
        }
        String needed = StubCheck.verify(entry.resolve(STUB_NAME), python);
        install(entry, targetDir);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        reporter.debug((cached ? "reused cached stub " : "compiled stub ") + entry + " for Python " + python.version());
        return new BuiltStub(python, targetDir, targetDir.resolve(STUB_NAME), cached, millis, compiler.version(),
                needed);
    }

    private static void checkBuildable(PythonInstall python) {
        String v = python.version().minorString();
        if (python.version().compareTo(PythonFinder.OLDEST_SUPPORTED) < 0) {
            throw new TpbException("Python " + python.version() + " (" + python.executable() + ") is too old: tpb's stub "
                    + "needs Python " + PythonFinder.OLDEST_SUPPORTED.minorString() + " or newer");
        }
        if (!python.hasHeaders()) {
            throw new TpbException("Python " + python.version() + " (" + python.executable() + ") has no development "
                    + "headers (" + python.includeDir().resolve("Python.h") + " is missing); install them, e.g. "
                    + "'apt-get install python" + v + "-dev' on Debian/Ubuntu, 'dnf install python" + v + "-devel' on "
                    + "Fedora, or use a pyenv or conda Python, which include them");
        }
        if (!python.hasSharedLibpython()) {
            throw new TpbException("Python " + python.version() + " (" + python.executable() + ") has no shared "
                    + "libpython" + v + ".so in " + python.libDir() + ": the stub embeds CPython and links against it. "
                    + "Use a Python built with './configure --enable-shared' (pyenv: "
                    + "PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install " + v + "; conda and Debian's python"
                    + v + "-dev have it)");
        }
    }

    /** The interpreter the stub starts Python as when no execution environment is given. */
    static Path homeInterpreter(PythonInstall python) {
        Path versioned = python.basePrefix().resolve("bin").resolve("python" + python.version().minorString());
        return Files.isExecutable(versioned) ? versioned : python.executable();
    }

    private String cacheKey(PythonInstall python) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Path lib = python.libpython().orElseThrow();
            String identity = String.join("\n", StubSources.digest(), BuildInfo.version(),
                    python.executable().toRealPath().toString(), python.version().toString(),
                    python.includeDir().toString(), lib.toRealPath().toString(),
                    Long.toString(Files.size(lib)), Long.toString(Files.getLastModifiedTime(lib).toMillis()),
                    compiler.path().toString(), compiler.version(), String.join(" ", compileFlags()));
            sha.update(identity.getBytes(StandardCharsets.UTF_8));
            return "python" + python.version().minorString() + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 24);
        } catch (IOException e) {
            throw new TpbException("cannot read " + python.executable() + "'s files: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> compileFlags() {
        return List.of("-O2", "-g", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter",
                "-Wno-missing-field-initializers", "-fno-strict-aliasing");
    }

    private void compileInto(PythonInstall python, Path entry) {
        Path work = null;
        try {
            Files.createDirectories(cacheDir);
            work = Files.createTempDirectory(cacheDir, ".build-");
            StubSources.writeC(work);
            Path lib = python.libpython().orElseThrow();
            List<String> cmd = new ArrayList<>();
            cmd.add(compiler.path().toString());
            cmd.addAll(compileFlags());
            cmd.add("-I" + python.includeDir());
            cmd.add("-DTPB_PYTHON_EXECUTABLE=\"" + homeInterpreter(python) + "\"");
            cmd.add("-DTPB_VERSION=\"" + BuildInfo.version() + "\"");
            cmd.add("-DTPB_BUILD_INFO=\"" + compiler.version().replace("\"", "'") + "; headers "
                    + python.includeDir() + "\"");
            for (String f : StubSources.C_FILES) {
                if (f.endsWith(".c")) {
                    cmd.add(work.resolve(f).toString());
                }
            }
            cmd.addAll(List.of("-o", work.resolve(STUB_NAME).toString(), "-L" + lib.getParent(), "-l:" + lib.getFileName(),
                    // RUNPATH, not RPATH: LD_LIBRARY_PATH=<env>/lib must win at run time.
                    "-Wl,--enable-new-dtags,-rpath," + lib.getParent(), "-lpthread", "-ldl", "-lm"));
            reporter.debug(String.join(" ", cmd));
            Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                List<String> lines = output.lines().limit(40).toList();
                throw new TpbException("compiling the stub for Python " + python.version() + " with " + compiler.path()
                        + " failed:\n" + String.join("\n", lines));
            }
            for (String f : StubSources.PYTHON_FILES) {
                Files.write(work.resolve(f), StubSources.pythonFile(f));
            }
            publish(work, entry);
            work = null;
        } catch (IOException e) {
            throw new TpbException("cannot build the stub in " + cacheDir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException("interrupted while compiling the stub");
        } finally {
            deleteTree(work);
        }
    }

    /** Moves a finished build into the cache in one step; a concurrent identical build may win, which is fine. */
    private static void publish(Path work, Path entry) throws IOException {
        deleteTree(entry);
        try {
            Files.move(work, entry, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
            if (!Files.isRegularFile(entry.resolve(STUB_NAME))) {
                throw e;
            }
        }
    }

    /** Copies the stub and its Python files into the backend directory, each file replaced atomically. */
    private static void install(Path entry, Path targetDir) {
        try {
            Files.createDirectories(targetDir);
            List<String> files = new ArrayList<>(StubSources.PYTHON_FILES);
            files.add(STUB_NAME);
            for (String f : files) {
                Path tmp = Files.createTempFile(targetDir, "." + f + ".", ".tmp");
                try {
                    Files.copy(entry.resolve(f), tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(
                            f.equals(STUB_NAME) ? "rwxr-xr-x" : "rw-r--r--"));
                    AtomicFiles.move(tmp, targetDir.resolve(f));
                } finally {
                    AtomicFiles.deleteQuietly(tmp);
                }
            }
        } catch (IOException e) {
            throw new TpbException("cannot install the stub into " + targetDir + ": " + AtomicFiles.describe(e), e);
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(AtomicFiles::deleteQuietly);
        } catch (IOException ignored) {
            // a leftover temporary build directory is harmless
        }
    }
}
