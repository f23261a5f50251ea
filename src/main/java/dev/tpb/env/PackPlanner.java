package dev.tpb.env;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.python.PythonVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Decides what goes into the archive of one environment: its files (a venv also gets its base interpreter's
 * runtime so the result is a standalone prefix), minus what must not travel (pyvenv.cfg, conda's package
 * cache, stale activate scripts), plus tpb's activate/deactivate and site customisation.
 */
final class PackPlanner {
    /** Top-level names of a conda prefix that are not part of the environment (conda-pack leaves them out too). */
    private static final Set<String> CONDA_SKIP = Set.of("pkgs", "envs", "conda-bld", ".conda_lock", "users",
            "conda-recipes", ".index", ".unionfs", ".nonadmin", "python.app", "Launcher.app");
    /** Activation scripts of other shells and tools; they would point at the old location. */
    private static final Set<String> STALE_BIN = Set.of("bin/activate", "bin/deactivate", "bin/activate.csh",
            "bin/activate.fish", "bin/Activate.ps1", "bin/activate.ps1", "bin/activate.nu", "bin/activate.bat",
            "bin/activate_this.py", "bin/deactivate.bat", "bin/deactivate.nu");
    /** Standard-library test suites: large and never imported by models. */
    private static final List<String> STDLIB_TESTS = List.of("test", "idlelib/idle_test", "tkinter/test",
            "lib2to3/tests", "ctypes/test", "distutils/tests", "unittest/test", "sqlite3/test");
    private static final Pattern VENV_PYTHON = Pattern.compile("bin/python(3(\\.\\d+)?)?w?");

    private final EnvInfo info;
    private final PackOptions options;
    private final Reporter reporter;
    private final Excludes excludes;
    /** By archive path; sorted once at the end (a sorted map compared long shared prefixes on every lookup). */
    private final Map<String, Entry> entries = new HashMap<>(1 << 15);
    private final List<TreeWalker.Outside> outside = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Set<String> oldPrefixes = new LinkedHashSet<>();
    private final Map<String, CondaMeta.PathInfo> managed = new HashMap<>();
    private final Map<String, String> packageOf = new HashMap<>();
    private PythonVersion python;

    PackPlanner(EnvInfo info, PackOptions options, Reporter reporter) {
        this.info = info;
        this.options = options;
        this.reporter = reporter;
        this.excludes = new Excludes(options.excludes());
        this.python = info.python();
    }

    PackPlan plan() {
        oldPrefixes.add(info.prefix().toString());
        try {
            switch (info.kind()) {
                case VENV -> planVenv();
                case CONDA -> planConda();
                case STANDALONE -> walkEnv(List::of, (path, dir) -> false, e -> entries.put(e.path(), e),
                        outside::add);
            }
        } catch (UncheckedIOException e) {
            throw new TpbException(e.getMessage(), e);
        }
        if (!outside.isEmpty()) {
            throw outsideError();
        }
        checkEditable();
        warnAboutHooks();
        fixOwnInterpreter();
        long epoch = epoch();
        addGenerated(epoch);
        dropBelowSymlinks();
        entries.keySet().removeIf(excludes::excluded);
        addMissingParents(epoch);
        List<Entry> byPath = new ArrayList<>(entries.values());
        byPath.sort(Comparator.comparing(Entry::path));
        List<Entry> sorted = linkHardlinks(byPath);
        List<String> prefixes = new ArrayList<>(oldPrefixes);
        prefixes.sort(Comparator.comparingInt(String::length).reversed());
        return new PackPlan(info, python, sorted, prefixes, managed, packageOf, warnings, epoch);
    }

    // ---- venv: the venv's files plus its base interpreter's runtime, as a standalone prefix ----

    private void planVenv() {
        Path interpreter = baseInterpreter();
        // Asking the base interpreter about itself takes a Python start-up: walk the venv meanwhile. The walk needs
        // the answer only for a symlink that leads out of the venv (rare: bin/python* are left out).
        CompletableFuture<BaseRuntime> query = CompletableFuture.supplyAsync(() -> BaseRuntime.query(interpreter));
        List<Entry> venvEntries = new ArrayList<>();
        List<TreeWalker.Outside> venvOutside = new ArrayList<>();
        walkEnv(() -> List.of(await(query).prefix()),
                (path, dir) -> path.equals("pyvenv.cfg") || VENV_PYTHON.matcher(path).matches(),
                venvEntries::add, venvOutside::add);
        BaseRuntime base = await(query);
        if (!base.version().sameMinor(info.python())) {
            throw new TpbException(info.prefix().resolve("pyvenv.cfg") + " says Python " + info.python()
                    + " but its base interpreter " + interpreter + " is " + base.version());
        }
        python = base.version();
        oldPrefixes.add(base.prefix().toString());
        if (info.systemSitePackages()) {
            warnings.add("the venv also sees the base interpreter's site-packages (include-system-site-packages);"
                    + " those packages are not packed");
        }
        String minor = python.minorString();
        String libPython = "lib/python" + minor;
        boolean lib64Link = Files.isSymbolicLink(info.prefix().resolve("lib64"));

        for (Entry e : InterpreterBinary.entries(base.executable(), "bin/python" + minor, List.of(base.prefix()),
                base.libpython(), warnings)) {
            entries.put(e.path(), e);
        }
        entries.put("bin/python3", Entry.symlink("bin/python3", "python" + minor, 0));
        entries.put("bin/python", Entry.symlink("bin/python", "python" + minor, 0));
        base.libpython().ifPresent(lib -> addBaseLibrary(lib, base));

        List<Path> copyRoots = List.of(base.prefix());
        Set<String> testDirs = new HashSet<>();
        STDLIB_TESTS.forEach(t -> testDirs.add(libPython + "/" + t));
        java.util.function.BiPredicate<String, Boolean> stdlibSkip = (path, dir) -> dir
                && (path.equals(libPython + "/site-packages") || path.equals(libPython + "/dist-packages")
                    || testDirs.contains(path));
        walk(base.stdlib(), libPython, copyRoots, stdlibSkip);
        if (!base.platstdlib().equals(base.stdlib())) {
            walk(base.platstdlib(), relocated(base.prefix().relativize(base.platstdlib()).toString(), lib64Link),
                    copyRoots, stdlibSkip);
        }
        base.dynload().filter(d -> !d.startsWith(base.stdlib()) && !d.startsWith(base.platstdlib()))
                .ifPresent(d -> walk(d, relocated(base.prefix().relativize(d).toString(), lib64Link), copyRoots,
                        (p, dir) -> false));

        // The venv's own files last, as they override the base's
        venvEntries.forEach(e -> entries.put(e.path(), e));
        outside.addAll(venvOutside);
    }

    private static BaseRuntime await(CompletableFuture<BaseRuntime> query) {
        try {
            return query.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private Path baseInterpreter() {
        List<Path> candidates = new ArrayList<>();
        info.baseInterpreter().ifPresent(candidates::add);
        for (String name : List.of("python" + info.python().minorString(), "python3", "python")) {
            try {
                Path real = info.prefix().resolve("bin").resolve(name).toRealPath();
                if (!real.startsWith(info.prefix())) {
                    candidates.add(real);
                }
            } catch (IOException e) {
                // dangling or absent; try the next one
            }
        }
        for (Path c : candidates) {
            if (Files.isExecutable(c)) {
                return c;
            }
        }
        throw new TpbException("the base interpreter of the venv " + info.prefix() + " is missing ("
                + info.baseInterpreter().map(Path::toString).orElse("pyvenv.cfg names none")
                + "); a venv holds no interpreter or standard library of its own, so it cannot be packed "
                + "without its base. Recreate the venv with an installed Python");
    }

    private void addBaseLibrary(Path lib, BaseRuntime base) {
        String name = lib.getFileName().toString();
        addFile("lib/" + name, lib);
        base.ldlibrary().ifPresent(ld -> entries.put("lib/" + ld, Entry.symlink("lib/" + ld, name, 0)));
        Path stable = lib.getParent().resolve("libpython3.so");
        if (!name.equals("libpython3.so") && Files.isRegularFile(stable, LinkOption.NOFOLLOW_LINKS)) {
            addFile("lib/libpython3.so", stable);
        }
    }

    private void addFile(String path, Path source) {
        try {
            var attrs = Files.readAttributes(source, java.nio.file.attribute.PosixFileAttributes.class);
            entries.put(path, Entry.file(path, source, TreeWalker.mode(attrs), TreeWalker.seconds(attrs),
                    attrs.size(), attrs.fileKey()));
        } catch (IOException e) {
            throw new TpbException("cannot read " + source + ": " + e.getMessage(), e);
        }
    }

    /** A base path such as lib64/python3.11 goes through the venv's lib64 -> lib link, never below it. */
    private static String relocated(String path, boolean lib64Link) {
        return lib64Link && (path.equals("lib64") || path.startsWith("lib64/")) ? "lib" + path.substring(5) : path;
    }

    // ---- conda ----

    private void planConda() {
        String site = info.libPython() + "/site-packages";
        List<String> missing = new ArrayList<>();
        for (CondaMeta.PackageRecord record : CondaMeta.read(info.prefix(), site)) {
            for (CondaMeta.PathInfo p : record.paths()) {
                if ("directory".equals(p.type())) {
                    continue;
                }
                managed.put(p.path(), p);
                packageOf.put(p.path(), record.name() + " " + record.version());
                if (p.placeholder() != null) {
                    oldPrefixes.add(p.placeholder());
                }
                if (!Files.exists(info.prefix().resolve(p.path()), LinkOption.NOFOLLOW_LINKS)) {
                    missing.add(p.path() + " (" + record.name() + " " + record.version() + ")");
                }
            }
        }
        if (!missing.isEmpty()) {
            String list = summarize(missing, 10);
            if (!options.ignoreMissingFiles()) {
                throw new TpbException("files managed by conda are missing from " + info.prefix() + " (pip or a "
                        + "user deleted them): " + list + ". Repair the environment (conda install --force-reinstall "
                        + "PACKAGE) or pass --ignore-missing-files to pack it as it is");
            }
            warnings.add(missing.size() + " conda-managed file(s) are missing and not packed: " + list);
            missing.forEach(m -> managed.remove(m.substring(0, m.indexOf(" ("))));
        }
        List<Path> copyRoots = new ArrayList<>();
        Path parent = info.prefix().getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("envs")
                && Files.isDirectory(parent.getParent().resolve("pkgs"))) {
            copyRoots.add(parent.getParent().resolve("pkgs"));
        }
        if (Files.isDirectory(info.prefix().resolve("pkgs"))) {
            copyRoots.add(info.prefix().resolve("pkgs"));
        }
        walkEnv(() -> copyRoots, (path, dir) -> path.indexOf('/') < 0 && CONDA_SKIP.contains(path),
                e -> entries.put(e.path(), e), outside::add);
    }

    // ---- common ----

    private void walkEnv(Supplier<List<Path>> copyRoots, java.util.function.BiPredicate<String, Boolean> kindSkip,
                         Consumer<Entry> out, Consumer<TreeWalker.Outside> outsideOut) {
        new TreeWalker(info.prefix(), "", copyRoots, (path, dir) -> kindSkip.test(path, dir)
                || (!dir && STALE_BIN.contains(path)) || path.endsWith("~") || path.endsWith("/.DS_Store")
                || path.equals(".DS_Store") || excludes.excluded(path))
                .walk(out, outsideOut);
    }

    private void walk(Path root, String base, List<Path> copyRoots, java.util.function.BiPredicate<String, Boolean> skip) {
        new TreeWalker(root, base, () -> copyRoots, (path, dir) -> skip.test(path, dir) || excludes.excluded(path))
                .walk(e -> entries.put(e.path(), e), outside::add);
    }

    private TpbException outsideError() {
        List<String> list = outside.stream().map(o -> o.path() + " -> " + o.target()).toList();
        return new TpbException("cannot pack " + info.prefix() + ": " + list.size() + " symlink(s) point outside "
                + "the environment and would dangle wherever it is extracted: " + summarize(list, 10)
                + ". Copy the files into the environment, or leave the links out with --exclude PATH");
    }

    private void checkEditable() {
        List<String> editable = EditableCheck.find(info.prefix(), info.sitePackages());
        if (editable.isEmpty()) {
            return;
        }
        if (!options.ignoreEditable()) {
            throw new TpbException("cannot pack " + info.prefix() + ": editable install(s) keep their code outside "
                    + "the environment, so it would be missing from the archive: " + summarize(editable, 10)
                    + ". Install them normally (pip install PATH, without -e), or pass --ignore-editable");
        }
        warnings.add("editable install(s) packed without their code (--ignore-editable): " + summarize(editable, 10));
    }

    private void warnAboutHooks() {
        Path hooks = info.prefix().resolve("etc/conda/activate.d");
        if (!Files.isDirectory(hooks)) {
            return;
        }
        try (Stream<Path> s = Files.list(hooks)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            if (!names.isEmpty()) {
                warnings.add("etc/conda/activate.d has hooks (" + summarize(names, 5) + "): bin/activate runs them,"
                        + " but Triton 25.08 and newer never source bin/activate, so set what they set yourself");
            }
        } catch (IOException e) {
            reporter.debug("cannot list " + hooks + ": " + e.getMessage());
        }
    }

    /** A conda or standalone interpreter with an absolute search path into its own prefix. */
    private void fixOwnInterpreter() {
        if (info.kind() == EnvKind.VENV) {
            return;
        }
        String name = "bin/python" + python.minorString();
        Entry e = entries.get(name);
        if (e == null || !e.isFile() || e.source() == null) {
            return;
        }
        List<Entry> fixed = InterpreterBinary.entries(e.source(), name, List.of(info.prefix()), Optional.empty(),
                warnings);
        fixed.forEach(f -> entries.put(f.path(), f));
    }

    private long epoch() {
        String sde = System.getenv("SOURCE_DATE_EPOCH");
        if (sde != null && sde.matches("\\d+")) {
            return Long.parseLong(sde);
        }
        return entries.values().stream().mapToLong(Entry::mtime).max().orElse(0);
    }

    private void addGenerated(long epoch) {
        entries.put("bin/activate", Entry.generated("bin/activate", Scripts.activate(info.kind()), 0644, epoch));
        entries.put("bin/deactivate", Entry.generated("bin/deactivate", Scripts.deactivate(), 0644, epoch));
        String customPath = "lib/python" + python.minorString() + "/sitecustomize.py";
        Entry existing = entries.get(customPath);
        String old = null;
        if (existing != null && existing.isFile()) {
            try {
                old = existing.data() != null ? new String(existing.data(), StandardCharsets.UTF_8)
                        : Files.readString(existing.source(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new TpbException("cannot read " + existing.source() + ": " + e.getMessage(), e);
            }
        }
        entries.put(customPath, Entry.generated(customPath, Scripts.sitecustomize(old), 0644, epoch));
    }

    /** Removes entries that a secure extractor would refuse: anything below a symlink in the archive. */
    private void dropBelowSymlinks() {
        Set<String> links = new HashSet<>();
        entries.values().stream().filter(e -> e.type() == Entry.Type.SYMLINK).forEach(e -> links.add(e.path()));
        entries.values().removeIf(e -> {
            for (int slash = e.path().indexOf('/'); slash > 0; slash = e.path().indexOf('/', slash + 1)) {
                if (links.contains(e.path().substring(0, slash))) {
                    reporter.debug("leaving out " + e.path() + ": it is below the symlink " + e.path().substring(0, slash));
                    return true;
                }
            }
            return false;
        });
    }

    private void addMissingParents(long epoch) {
        List<String> missing = new ArrayList<>();
        Set<String> seen = new HashSet<>(); // directories whose ancestors have been looked at already
        for (String path : entries.keySet()) {
            for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
                String parent = path.substring(0, slash);
                if (!seen.add(parent)) {
                    break;
                }
                if (!entries.containsKey(parent)) {
                    missing.add(parent);
                }
            }
        }
        missing.forEach(p -> entries.putIfAbsent(p, Entry.directory(p, 0755, epoch)));
    }

    /** In sorted order the first path of a file is stored; later paths of the same file become hard links. */
    private static List<Entry> linkHardlinks(List<Entry> sorted) {
        Map<Object, String> first = new HashMap<>();
        List<Entry> out = new ArrayList<>(sorted.size());
        for (Entry e : sorted) {
            if (e.isFile() && e.data() == null && e.fileKey() != null) {
                String earlier = first.putIfAbsent(e.fileKey(), e.path());
                out.add(earlier == null ? e : e.asHardlinkTo(earlier));
            } else {
                out.add(e);
            }
        }
        return out;
    }

    static String summarize(List<String> items, int max) {
        String shown = String.join(", ", items.subList(0, Math.min(max, items.size())));
        return items.size() > max ? shown + " and " + (items.size() - max) + " more" : shown;
    }
}
