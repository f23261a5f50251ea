package dev.tpb.cli.completion;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** The parts of picocli's command model that completion scripts need, read from the live command line. */
public record CompletionModel(String name, List<String> path, String description, List<Opt> options,
                              List<Arg> positionals, List<CompletionModel> subcommands) {

    /** What a value may be: a fixed list of words, a file, a directory or anything. */
    public enum ValueKind { NONE, WORDS, FILE, DIRECTORY, TEXT }

    public record Opt(List<String> names, String description, ValueKind kind, String label, List<String> words,
                      boolean repeatable) {
        public boolean takesValue() {
            return kind != ValueKind.NONE;
        }
    }

    public record Arg(String label, String description, ValueKind kind, List<String> words, boolean variadic) {
    }

    public static CompletionModel of(CommandLine cmd) {
        return of(cmd, List.of());
    }

    private static CompletionModel of(CommandLine cmd, List<String> parentPath) {
        CommandSpec spec = cmd.getCommandSpec();
        List<String> path = new ArrayList<>(parentPath);
        if (!parentPath.isEmpty() || spec.parent() != null) {
            path.add(spec.name());
        }
        List<Opt> options = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) {
                continue;
            }
            ValueKind kind = o.arity().max() == 0 ? ValueKind.NONE : kindOf(o);
            options.add(new Opt(List.of(o.names()), firstLine(o.description()), kind, o.paramLabel(), words(o),
                    o.isMultiValue()));
        }
        // Reflection order differs between JVM runs; the scripts must not.
        options.sort(java.util.Comparator.comparing(o -> sortKey(o.names())));
        List<Arg> positionals = new ArrayList<>();
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (!p.hidden()) {
                positionals.add(new Arg(p.paramLabel(), firstLine(p.description()), kindOf(p), words(p),
                        p.arity().max() > 1));
            }
        }
        List<CompletionModel> subs = new ArrayList<>();
        for (CommandLine sub : cmd.getSubcommands().values()) {
            CommandSpec subSpec = sub.getCommandSpec();
            // Aliases map to the same CommandLine; list each command once, under its own name.
            if (!subSpec.usageMessage().hidden() && subs.stream().noneMatch(s -> s.name().equals(subSpec.name()))) {
                subs.add(of(sub, path));
            }
        }
        String description = firstLine(spec.usageMessage().description());
        return new CompletionModel(spec.name(), List.copyOf(path), description, options, positionals, subs);
    }

    /** "help" for -h/--help: options sort by their long name, as help pages list them. */
    private static String sortKey(List<String> names) {
        String longest = names.stream().max(java.util.Comparator.comparingInt(String::length)).orElse("");
        return longest.replaceFirst("^-+", "");
    }

    private static ValueKind kindOf(ArgSpec arg) {
        if (arg.completionCandidates() != null) {
            return ValueKind.WORDS;
        }
        Class<?> type = arg.type();
        if (type == Path.class || type == File.class || arg.auxiliaryTypes()[0] == Path.class) {
            return arg.paramLabel().contains("DIR") ? ValueKind.DIRECTORY : ValueKind.FILE;
        }
        return ValueKind.TEXT;
    }

    private static List<String> words(ArgSpec arg) {
        List<String> words = new ArrayList<>();
        if (arg.completionCandidates() != null) {
            arg.completionCandidates().forEach(words::add);
        }
        return words;
    }

    private static String firstLine(String[] description) {
        if (description == null || description.length == 0) {
            return "";
        }
        String text = description[0].replace("%n", " ").strip();
        int end = text.indexOf(". ");
        return end > 0 ? text.substring(0, end + 1) : text;
    }
}
