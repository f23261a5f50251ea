package dev.tpb.python;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds CPython interpreters on this machine, in the order a request such as {@code --python 3.10} is
 * resolved: {@code $CONDA_PREFIX}, conda environments, pyenv versions, {@code python3.X} on PATH, /usr/bin.
 * Each interpreter is asked about itself once (in parallel) and remembered for the life of the finder.
 */
public final class PythonFinder {
    /** The oldest CPython with the initialization API (PyConfig) the stub uses. */
    public static final PythonVersion OLDEST_SUPPORTED = new PythonVersion(3, 8, 0);

    private static final Pattern VERSIONED = Pattern.compile("python3\\.\\d+");
    private static final List<String> CONDA_ROOTS = List.of("miniconda3", "anaconda3", "miniforge3", "mambaforge",
            ".miniconda3", ".conda");

    private final Map<String, String> env;
    private final Path home;
    private final Reporter reporter;
    private List<PythonInstall> all;

    public PythonFinder(Map<String, String> env, Path home, Reporter reporter) {
        this.env = env;
        this.home = home;
        this.reporter = reporter;
    }

    public static PythonFinder system(Reporter reporter) {
        return new PythonFinder(System.getenv(), Path.of(System.getProperty("user.home")), reporter);
    }

    /** Every interpreter found, newest version first, then in resolution order. */
    public synchronized List<PythonInstall> all() {
        if (all == null) {
            all = interrogateAll(candidates());
        }
        return all;
    }

    /** An interpreter named by path ({@code --python-exe}); must be CPython 3. */
    public PythonInstall at(Path executable) {
        if (!Files.isExecutable(executable)) {
            throw new TpbException("--python-exe " + executable + ": no such executable file");
        }
        return Interrogator.interrogate(executable, "explicit");
    }

    /** The first interpreter, in resolution order, whose version satisfies {@code request} (3.10 or 3.10.13). */
    public PythonInstall find(PythonVersion request) {
        Optional<PythonInstall> best = all().stream()
                .filter(p -> p.version().satisfies(request))
                .min(Comparator.comparingInt((PythonInstall p) -> sourceRank(p.source()))
                        .thenComparing(PythonInstall::version, Comparator.reverseOrder()));
        return best.orElseThrow(() -> new TpbException("no Python " + request + " found; " + describeFound()
                + ". Install it (e.g. 'pyenv install " + request + "') or name it with --python-exe PATH"));
    }

    /** The newest supported interpreter, for when nothing says which one to use. */
    public Optional<PythonInstall> newest() {
        return all().stream().filter(p -> p.version().compareTo(OLDEST_SUPPORTED) >= 0).findFirst();
    }

    public String describeFound() {
        List<PythonInstall> found = all();
        if (found.isEmpty()) {
            return "no CPython 3 interpreter was found (searched $CONDA_PREFIX, conda, pyenv, PATH, /usr/bin)";
        }
        StringBuilder sb = new StringBuilder("found: ");
        for (int i = 0; i < found.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(found.get(i).version()).append(" (")
                    .append(found.get(i).executable()).append(')');
        }
        return sb.toString();
    }

    private record Candidate(Path executable, String source) {
    }

    private List<Candidate> candidates() {
        List<Candidate> list = new ArrayList<>();
        String condaPrefix = env.get("CONDA_PREFIX");
        if (condaPrefix != null && !condaPrefix.isEmpty()) {
            list.add(new Candidate(Path.of(condaPrefix, "bin", "python3"), "$CONDA_PREFIX"));
        }
        for (Path root : condaRoots()) {
            list.add(new Candidate(root.resolve("bin/python3"), "conda"));
            children(root.resolve("envs")).forEach(e -> list.add(new Candidate(e.resolve("bin/python3"), "conda")));
        }
        for (String line : condaEnvironmentsTxt()) {
            list.add(new Candidate(Path.of(line, "bin", "python3"), "conda"));
        }
        String pyenvRoot = env.getOrDefault("PYENV_ROOT", home.resolve(".pyenv").toString());
        children(Path.of(pyenvRoot, "versions"))
                .forEach(v -> list.add(new Candidate(v.resolve("bin/python3"), "pyenv")));
        for (String dir : env.getOrDefault("PATH", "").split(":")) {
            // pyenv's shims are shell scripts that only resolve the selected version: the real ones are above.
            if (!dir.isEmpty() && !dir.contains("/.pyenv/shims") && !dir.contains("/pyenv-virtualenv/shims")) {
                versionedIn(Path.of(dir)).forEach(p -> list.add(new Candidate(p, "PATH")));
                list.add(new Candidate(Path.of(dir, "python3"), "PATH"));
            }
        }
        versionedIn(Path.of("/usr/bin")).forEach(p -> list.add(new Candidate(p, "/usr/bin")));
        return list;
    }

    private List<Path> condaRoots() {
        List<Path> roots = new ArrayList<>();
        String condaExe = env.get("CONDA_EXE");
        if (condaExe != null && !condaExe.isEmpty()) {
            Path root = Path.of(condaExe).getParent().getParent();
            roots.add(root);
        }
        for (String name : CONDA_ROOTS) {
            roots.add(home.resolve(name));
        }
        roots.add(Path.of("/opt/conda"));
        roots.add(Path.of("/opt/miniconda3"));
        return roots.stream().filter(r -> Files.isDirectory(r.resolve("conda-meta"))).distinct().toList();
    }

    private List<String> condaEnvironmentsTxt() {
        Path file = home.resolve(".conda/environments.txt");
        try {
            return Files.isRegularFile(file)
                    ? Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty()).toList()
                    : List.of();
        } catch (IOException e) {
            reporter.debug("cannot read " + file + ": " + e.getMessage());
            return List.of();
        }
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<Path> versionedIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> VERSIONED.matcher(p.getFileName().toString()).matches()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private List<PythonInstall> interrogateAll(List<Candidate> candidates) {
        Map<Path, Candidate> unique = new LinkedHashMap<>();
        for (Candidate c : candidates) {
            if (Files.isExecutable(c.executable())) {
                try {
                    unique.putIfAbsent(c.executable().toRealPath(), c);
                } catch (IOException e) {
                    reporter.debug("skipping " + c.executable() + ": " + e.getMessage());
                }
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "python-interrogate");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<PythonInstall>> futures = new ArrayList<>();
            for (Candidate c : unique.values()) {
                futures.add(pool.submit(() -> Interrogator.interrogate(c.executable(), c.source())));
            }
            List<PythonInstall> found = new ArrayList<>();
            for (Future<PythonInstall> f : futures) {
                try {
                    PythonInstall p = f.get();
                    if (p.version().major() >= 3) {
                        found.add(p);
                    }
                } catch (ExecutionException e) {
                    reporter.debug("skipping an interpreter: " + e.getCause().getMessage());
                }
            }
            found.sort(Comparator.comparing(PythonInstall::version, Comparator.reverseOrder())
                    .thenComparingInt(p -> sourceRank(p.source())));
            return List.copyOf(found);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException("interrupted while looking for Python interpreters");
        } finally {
            pool.shutdownNow();
        }
    }

    private static int sourceRank(String source) {
        return switch (source) {
            case "explicit" -> 0;
            case "$CONDA_PREFIX" -> 1;
            case "conda" -> 2;
            case "pyenv" -> 3;
            case "PATH" -> 4;
            default -> 5;
        };
    }
}
