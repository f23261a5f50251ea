package dev.tpb.config;

import dev.tpb.TpbException;
import java.util.List;

/** The config parses but Triton would refuse it: the message lists the errors with {@code file:line:col}. */
public class ConfigInvalidException extends TpbException {
    private static final int SHOWN = 10;

    private final List<ConfigProblem> problems;

    public ConfigInvalidException(List<ConfigProblem> problems) {
        super(describe(problems));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String describe(List<ConfigProblem> problems) {
        if (problems.size() == 1) {
            ConfigProblem p = problems.get(0);
            return p.file() + ":" + p.line() + ":" + p.column() + ": " + p.message();
        }
        StringBuilder out = new StringBuilder(problems.get(0).file()).append(" has ").append(problems.size())
                .append(" errors:");
        for (ConfigProblem p : problems.subList(0, Math.min(SHOWN, problems.size()))) {
            out.append("\n  ").append(p.file()).append(':').append(p.line()).append(':').append(p.column())
                    .append(": ").append(p.message());
        }
        if (problems.size() > SHOWN) {
            out.append("\n  ... and ").append(problems.size() - SHOWN).append(" more");
        }
        return out.toString();
    }
}
