package dev.tpb.cli;

import dev.tpb.UsageException;
import dev.tpb.env.EnvInfo;
import dev.tpb.env.EnvInspector;
import dev.tpb.env.EnvPacker;
import dev.tpb.env.EnvVerifier;
import dev.tpb.env.PackOptions;
import dev.tpb.env.PackResult;
import dev.tpb.env.VenvBuilder;
import dev.tpb.env.archive.ArchiveFormat;
import dev.tpb.python.PythonFinder;
import dev.tpb.python.PythonInstall;
import dev.tpb.python.PythonVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "pack-env", sortOptions = false,
        description = {"Pack a conda env, a venv or a Python prefix into a relocatable archive (or directory) that "
                + "works as Triton's EXECUTION_ENV_PATH wherever it is extracted: the interpreter and standard "
                + "library included, bin/activate added, user site-packages kept out, reproducible bytes, "
                + "parallel gzip.",
            "",
            "Examples:",
            "  tpb pack-env --prefix ~/venvs/model -o model_env.tar.gz",
            "  tpb pack-env --python 3.10 -r requirements.txt -o env.tar.gz --verify",
            "  tpb pack-env --prefix /opt/conda/envs/m --inspect"})
final class PackEnvCommand extends TpbSubcommand {
    @Option(names = "--prefix", paramLabel = "DIR",
            description = "The environment to pack: a conda env (conda-meta/), a venv (pyvenv.cfg) or a standalone "
                    + "prefix (bin/python3 and lib/python3.X/); detected automatically.")
    Path prefix;

    @Option(names = "--inspect", description = "Print what --prefix is (kind, Python version, base interpreter, "
            + "packages, size) and exit without packing.")
    boolean inspect;

    @Option(names = "--python", paramLabel = "VERSION",
            description = "Create a venv with this Python (e.g. 3.10; found like 'tpb python list'), install -r "
                    + "into it, and pack that.")
    String python;

    @Option(names = "--python-exe", paramLabel = "PATH",
            description = "Like --python, with this interpreter.")
    Path pythonExe;

    @Option(names = {"-r", "--requirement"}, paramLabel = "FILE",
            description = "With --python: pip install -r FILE into the new venv (repeatable).")
    List<Path> requirements = new ArrayList<>();

    @Option(names = "--index-url", paramLabel = "URL", description = "With --python: pip's --index-url.")
    String indexUrl;

    @Option(names = "--find-links", paramLabel = "PATH", description = "With --python: pip's --find-links "
            + "(repeatable).")
    List<String> findLinks = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "PATH",
            description = "Where to write; the suffix picks the format (.tar.gz/.tgz, .tar, .tar.zst, trailing / "
                    + "for a directory). Default: <env name>.tar.gz here.")
    String output;

    @Option(names = "--format", paramLabel = "FORMAT", completionCandidates = Formats.class,
            description = "tar.gz (default; what Triton reads), tar, tar.zst (not readable by Triton) or dir.")
    String format;

    @Option(names = "--compress-level", paramLabel = "N",
            description = "gzip 1-9 (default 4) or zstd 1-19 (default 3).")
    Integer level;

    @Option(names = "--threads", paramLabel = "N", description = "Compression threads (default: all cores).")
    Integer threads;

    @Option(names = "--exclude", paramLabel = "GLOB",
            description = "Leave out paths matching GLOB, relative to the env ('*' also matches '/'; a matching "
                    + "directory drops everything below it). Repeatable.")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--force", description = "Replace an existing output.")
    boolean force;

    @Option(names = "--dest-prefix", paramLabel = "PATH",
            description = "Where the env will live, if known: text files that still hold the old prefix (or a conda "
                    + "placeholder) are rewritten for it. Without it they are reported.")
    String destPrefix;

    @Option(names = "--ignore-missing-files",
            description = "Pack a conda env although files conda installed are missing or were changed.")
    boolean ignoreMissingFiles;

    @Option(names = "--ignore-editable",
            description = "Pack although editable installs keep their code outside the env (it will be missing).")
    boolean ignoreEditable;

    @Option(names = "--verify", description = "Extract the result at another path, run its bin/python3 with only "
            + "PATH=<dir>/bin set, and check sys.prefix and that every top-level package imports.")
    boolean verify;

    @Option(names = "--verify-import", paramLabel = "MODULE",
            description = "With --verify (implied): import MODULE instead of every package (repeatable).")
    List<String> verifyImports = new ArrayList<>();

    static final class Formats extends ArrayList<String> {
        Formats() {
            super(List.of("tar.gz", "tar", "tar.zst", "dir"));
        }
    }

    @Override
    protected int run() throws IOException {
        checkSources();
        if (inspect) {
            return inspect();
        }
        ArchiveFormat fmt = resolveFormat();
        PackOptions options = new PackOptions(fmt, resolveLevel(fmt), resolveThreads(), excludes, resolveDestPrefix(),
                ignoreMissingFiles, ignoreEditable, force);
        Path source = prefix;
        Path tempVenv = null;
        Thread cleanup = null;
        try {
            if (source == null) {
                PythonInstall interpreter = pythonExe != null ? PythonFinder.system(console()).at(pythonExe)
                        : PythonFinder.system(console()).find(PythonVersion.parse(python));
                tempVenv = Files.createTempDirectory("tpb-pack-env-");
                Path toDelete = tempVenv;
                cleanup = new Thread(() -> deleteTree(toDelete), "tpb-venv-cleanup");
                Runtime.getRuntime().addShutdownHook(cleanup);
                source = VenvBuilder.create(interpreter, tempVenv.resolve("env"), requirements, indexUrl, findLinks,
                        console());
            }
            Path out = Path.of(output != null ? output : defaultOutput(source, fmt));
            ProgressBar bar = console().interactive() ? new ProgressBar(console().err()) : null;
            PackResult result = new EnvPacker(console()).pack(source, out, options,
                    bar != null ? bar : dev.tpb.env.PackListener.NONE);
            if (bar != null) {
                bar.clear();
            }
            printSummary(result);
            if (verify || !verifyImports.isEmpty()) {
                return verify(result);
            }
            return Main.OK;
        } finally {
            if (tempVenv != null) {
                deleteTree(tempVenv);
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException ignored) {
                    // shutting down; the hook deletes it
                }
            }
        }
    }

    private void checkSources() {
        int sources = (prefix != null ? 1 : 0) + (python != null || pythonExe != null ? 1 : 0);
        if (python != null && pythonExe != null) {
            throw new UsageException("--python and --python-exe both name an interpreter; give one");
        }
        if (sources == 0) {
            throw new UsageException("say what to pack: --prefix DIR, or --python VERSION [-r requirements.txt]");
        }
        if (sources > 1) {
            throw new UsageException("--prefix packs an existing env and --python/--python-exe create one; give one");
        }
        if (prefix != null && (!requirements.isEmpty() || indexUrl != null || !findLinks.isEmpty())) {
            throw new UsageException("-r, --index-url and --find-links create a new venv and need --python or "
                    + "--python-exe, not --prefix");
        }
        if (inspect && prefix == null) {
            throw new UsageException("--inspect needs --prefix DIR");
        }
    }

    private int inspect() {
        EnvInfo info = EnvInspector.inspect(prefix);
        EnvInspector.DiskUsage usage = EnvInspector.diskUsage(info.prefix());
        Table table = new Table("FIELD", "VALUE");
        table.row("prefix", info.prefix().toString());
        table.row("kind", info.kind().toString());
        table.row("python", info.python().toString());
        table.row("base interpreter", info.baseInterpreter().map(Path::toString).orElse("-"));
        table.row("packages", String.valueOf(info.packageCount()));
        table.row("size", Summary.bytes(usage.bytes()) + " in " + String.format("%,d", usage.files()) + " files");
        table.row("bin/activate", info.hasActivate() ? "yes" : "no (pack-env adds one)");
        table.row("bin/python3", info.hasPython3() ? "yes" : "no");
        table.row("user site blocked", info.userSiteBlocked() ? "yes (tpb's sitecustomize)" : "no (pack-env adds it)");
        if (info.systemSitePackages()) {
            table.row("system site-packages", "yes (not packed)");
        }
        table.print(console().out());
        return Main.OK;
    }

    private ArchiveFormat resolveFormat() {
        ArchiveFormat bySuffix = output == null ? null : ArchiveFormat.bySuffix(output).orElse(null);
        if (format != null) {
            ArchiveFormat f = ArchiveFormat.byLabel(format).orElseThrow(() -> new UsageException("--format '" + format
                    + "': expected tar.gz, tar, tar.zst or dir"));
            if (bySuffix != null && bySuffix != f) {
                throw new UsageException("-o " + output + " looks like " + bySuffix + " but --format says " + f);
            }
            return f;
        }
        if (output != null && bySuffix == null) {
            throw new UsageException("cannot tell the format from -o " + output + " (use .tar.gz, .tgz, .tar, .tar.zst, "
                    + "a trailing / for a directory, or --format)");
        }
        return bySuffix != null ? bySuffix : ArchiveFormat.TAR_GZ;
    }

    private int resolveLevel(ArchiveFormat fmt) {
        if (level == null) {
            return PackOptions.defaultLevel(fmt);
        }
        int max = switch (fmt) {
            case TAR_GZ -> 9;
            case TAR_ZST -> 19;
            default -> throw new UsageException("--compress-level applies to tar.gz and tar.zst, not " + fmt);
        };
        if (level < 1 || level > max) {
            throw new UsageException("--compress-level " + level + ": " + fmt + " levels are 1 to " + max);
        }
        return level;
    }

    private int resolveThreads() {
        if (threads == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        if (threads < 1) {
            throw new UsageException("--threads " + threads + ": must be at least 1");
        }
        return threads;
    }

    private String resolveDestPrefix() {
        if (destPrefix == null) {
            return null;
        }
        if (!destPrefix.startsWith("/")) {
            throw new UsageException("--dest-prefix " + destPrefix + ": must be an absolute path");
        }
        return destPrefix.length() > 1 && destPrefix.endsWith("/") ? destPrefix.substring(0, destPrefix.length() - 1)
                : destPrefix;
    }

    private String defaultOutput(Path source, ArchiveFormat fmt) {
        if (fmt == ArchiveFormat.DIR) {
            throw new UsageException("--format dir needs -o DIR");
        }
        String name = prefix != null ? prefix.toAbsolutePath().normalize().getFileName().toString()
                : "python" + (python != null ? python : "") + "-env";
        return name + fmt.suffix();
    }

    private void printSummary(PackResult r) {
        for (String line : Summary.lines(r)) {
            console().out().println(line);
        }
        console().out().flush();
        for (String w : r.warnings()) {
            console().warn(w);
        }
    }

    private int verify(PackResult r) {
        console().info("verifying: extracting " + r.output() + " elsewhere and importing its packages ...");
        EnvVerifier.Result v = EnvVerifier.verify(r.output(), r.format(), verifyImports, console());
        if (v.ok()) {
            console().out().println("verified: sys.prefix is the extraction directory; imported "
                    + v.imported().size() + " module(s)" + (v.imported().isEmpty() ? "" : ": "
                    + String.join(", ", v.imported().subList(0, Math.min(12, v.imported().size())))
                    + (v.imported().size() > 12 ? ", ..." : "")));
            return Main.OK;
        }
        console().out().println("verification failed (" + v.failures().size() + " problem(s)):");
        v.failures().forEach(f -> console().out().println("  " + f));
        console().error("--verify: the packed environment does not work as extracted at " + v.expected());
        return Main.FAILURE;
    }

    private static void deleteTree(Path root) {
        try (var s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // temporary; best effort
        }
    }
}
