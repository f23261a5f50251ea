package dev.tpb.cli;

import dev.tpb.TpbException;
import dev.tpb.config.ConfigDocument;
import dev.tpb.config.ConfigProblem;
import dev.tpb.config.ConfigSyntaxException;
import dev.tpb.config.ConfigValidator;
import dev.tpb.config.ModelConfigLocator;
import dev.tpb.util.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "validate",
        description = "Check config files against model_config.proto as Triton reads them, and lint what Triton "
                + "accepts but rarely means. Lists every problem as file:line:col; exit 1 if there is any.")
final class ConfigValidateCommand extends TpbSubcommand {
    @Parameters(arity = "1..*", paramLabel = "PATH",
            description = "Config files, model directories or model repositories (every model directory in them).")
    List<Path> paths;

    @Override
    protected int run() {
        PrintWriter out = console().out();
        int files = 0;
        int errors = 0;
        int warnings = 0;
        for (Path path : paths) {
            for (Path file : configs(path)) {
                files++;
                for (Problem p : check(file)) {
                    out.println(p.problem().format());
                    if (!p.excerpt().isEmpty()) {
                        out.println(p.excerpt());
                    }
                    if (p.problem().isError()) {
                        errors++;
                    } else {
                        warnings++;
                    }
                }
            }
        }
        out.flush();
        if (errors + warnings == 0) {
            console().info("checked " + plural(files, "config") + ": no problems");
            return Main.OK;
        }
        console().info("checked " + plural(files, "config") + ": " + plural(errors, "error") + ", "
                + plural(warnings, "warning"));
        return Main.FAILURE;
    }

    private record Problem(ConfigProblem problem, String excerpt) {
    }

    private static List<Problem> check(Path file) {
        List<Problem> problems = new ArrayList<>();
        try {
            ConfigDocument doc = ConfigDocument.parse(file);
            for (ConfigProblem problem : ConfigValidator.validate(doc)) {
                problems.add(new Problem(problem,
                        doc.source().excerpt(doc.source().offset(problem.line(), problem.column()))));
            }
        } catch (ConfigSyntaxException e) {
            problems.add(new Problem(new ConfigProblem(e.file(), e.line(), e.column(), ConfigProblem.Severity.ERROR,
                    e.detail()), e.excerpt()));
        }
        return problems;
    }

    /** A file; a model directory's config; or every model directory's config in a repository. */
    private List<Path> configs(Path path) {
        if (Files.isRegularFile(path) || Files.isRegularFile(path.resolve(ModelConfigLocator.CONFIG_FILE))) {
            return List.of(ModelConfigLocator.find(path));
        }
        if (!Files.isDirectory(path)) {
            throw new TpbException("no such file or directory: " + path);
        }
        List<Path> found = new ArrayList<>();
        try (Stream<Path> children = Files.list(path)) {
            for (Path child : children.sorted().toList()) {
                if (Files.isRegularFile(child.resolve(ModelConfigLocator.CONFIG_FILE))) {
                    found.add(child.resolve(ModelConfigLocator.CONFIG_FILE));
                } else if (Files.isDirectory(child) && !child.getFileName().toString().startsWith(".")) {
                    console().info("skipping " + child + ": no " + ModelConfigLocator.CONFIG_FILE);
                }
            }
        } catch (IOException e) {
            throw new TpbException("cannot list " + path + ": " + AtomicFiles.describe(e), e);
        }
        if (found.isEmpty()) {
            throw new TpbException("no " + ModelConfigLocator.CONFIG_FILE + " in " + path
                    + " or in its subdirectories (looked for " + path.resolve(ModelConfigLocator.CONFIG_FILE)
                    + " and <model>/" + ModelConfigLocator.CONFIG_FILE + ")");
        }
        return found;
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
