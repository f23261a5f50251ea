package dev.tpb.env;

import dev.tpb.TpbException;
import dev.tpb.python.PythonVersion;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Tells what an environment directory is (conda env, venv, standalone prefix) and its Python version, from
 * its files alone (nothing is run). The same detection serves {@code pack-env}, {@code --inspect} and the
 * launcher.
 */
public final class EnvInspector {
    private static final Pattern CONDA_PYTHON = Pattern.compile("python-(\\d+\\.\\d+(?:\\.\\d+)?)-[^-]+\\.json");
    private static final Pattern LIB_PYTHON = Pattern.compile("python(\\d+)\\.(\\d+)");
    private static final Pattern PATCHLEVEL = Pattern.compile("#define\\s+PY_VERSION\\s+\"(\\d+\\.\\d+\\.\\d+)");
    static final String SITE_MARKER = "tpb pack-env: keep user site-packages out";

    private EnvInspector() {
    }

    /** Size of a tree as packing sees it: regular files and their bytes, symlinks not followed. */
    public record DiskUsage(long files, long bytes) {
    }

    public static EnvInfo inspect(Path dir) {
        Path prefix = canonical(dir);
        if (Files.isDirectory(prefix.resolve("conda-meta"))) {
            return conda(prefix);
        }
        if (Files.isRegularFile(prefix.resolve("pyvenv.cfg"))) {
            return venv(prefix);
        }
        Optional<PythonVersion> version = standaloneVersion(prefix);
        if (version.isPresent()) {
            return describe(prefix, EnvKind.STANDALONE, version.get(), Optional.of(prefix.resolve("bin/python3")),
                    -1, false);
        }
        throw new TpbException(dir + " is not a Python environment: no conda-meta/ (conda), no pyvenv.cfg (venv) "
                + "and no bin/python3 with lib/python3.X/os.py (standalone prefix)");
    }

    public static DiskUsage diskUsage(Path dir) {
        long[] totals = new long[2];
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        totals[0]++;
                        totals[1] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new TpbException("cannot read " + dir + ": " + e.getMessage(), e);
        }
        return new DiskUsage(totals[0], totals[1]);
    }

    static Path canonical(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new TpbException(dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory"));
        }
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new TpbException("cannot resolve " + dir + ": " + e.getMessage(), e);
        }
    }

    private static EnvInfo conda(Path prefix) {
        List<Path> records = CondaMeta.recordFiles(prefix);
        PythonVersion version = records.stream()
                .map(p -> CONDA_PYTHON.matcher(p.getFileName().toString()))
                .filter(Matcher::matches)
                .map(m -> PythonVersion.parse(m.group(1)))
                .findFirst()
                .orElseThrow(() -> new TpbException(prefix + " is a conda environment without Python: no "
                        + "conda-meta/python-*.json (install python into it first)"));
        return describe(prefix, EnvKind.CONDA, version, Optional.of(prefix.resolve("bin/python3")), records.size(),
                false);
    }

    private static EnvInfo venv(Path prefix) {
        PyvenvCfg cfg = PyvenvCfg.read(prefix.resolve("pyvenv.cfg"));
        PythonVersion version = cfg.version()
                .map(v -> PythonVersion.parse(v.replaceFirst("^(\\d+\\.\\d+\\.\\d+).*", "$1")))
                .or(() -> standaloneVersion(prefix))
                .orElseThrow(() -> new TpbException(prefix.resolve("pyvenv.cfg")
                        + ": no 'version' line and no lib/python3.X/ directory to tell the Python version"));
        Optional<Path> base = cfg.get("executable").map(Path::of)
                .or(() -> cfg.home().map(h -> h.resolve("python" + version.minorString())));
        return describe(prefix, EnvKind.VENV, version, base, -1, cfg.systemSitePackages());
    }

    private static EnvInfo describe(Path prefix, EnvKind kind, PythonVersion version, Optional<Path> base,
                                    int packages, boolean systemSite) {
        Path libPython = prefix.resolve("lib/python" + version.minorString());
        Path site = libPython.resolve("site-packages");
        int count = packages >= 0 ? packages : countDistributions(site);
        boolean blocked = false;
        Path custom = libPython.resolve("sitecustomize.py");
        try {
            blocked = Files.isRegularFile(custom) && Files.readString(custom).contains(SITE_MARKER);
        } catch (IOException | java.io.UncheckedIOException e) {
            blocked = false;
        }
        return new EnvInfo(prefix, kind, version, base, site, count,
                Files.isRegularFile(prefix.resolve("bin/activate")),
                Files.exists(prefix.resolve("bin/python3")), systemSite, blocked);
    }

    private static int countDistributions(Path site) {
        if (!Files.isDirectory(site)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(site)) {
            return (int) s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".dist-info") || n.endsWith(".egg-info"))
                    .count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** A prefix with bin/python3 and lib/python3.X/os.py; the micro version from patchlevel.h when present. */
    private static Optional<PythonVersion> standaloneVersion(Path prefix) {
        Path lib = prefix.resolve("lib");
        if (!Files.isDirectory(lib)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(lib)) {
            for (Path p : s.sorted().toList()) {
                Matcher m = LIB_PYTHON.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p.resolve("os.py"))
                        && (Files.exists(prefix.resolve("bin/python3"), LinkOption.NOFOLLOW_LINKS)
                            || Files.exists(prefix.resolve("bin/" + m.group()), LinkOption.NOFOLLOW_LINKS))) {
                    PythonVersion minor = new PythonVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), -1);
                    return Optional.of(patchlevel(prefix, minor).orElse(minor));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<PythonVersion> patchlevel(Path prefix, PythonVersion minor) {
        Path header = prefix.resolve("include/python" + minor.minorString() + "/patchlevel.h");
        try {
            if (Files.isRegularFile(header)) {
                Matcher m = PATCHLEVEL.matcher(Files.readString(header));
                if (m.find()) {
                    return Optional.of(PythonVersion.parse(m.group(1)));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
