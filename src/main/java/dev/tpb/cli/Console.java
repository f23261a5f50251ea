package dev.tpb.cli;

import dev.tpb.Reporter;
import java.io.PrintWriter;
import picocli.CommandLine.Help.Ansi;

/**
 * The command line's voice: results go to stdout, everything meant for a human (progress, warnings,
 * errors) to stderr. {@code -q} silences progress, {@code -v} adds debug lines; colour only when allowed.
 */
public final class Console implements Reporter {
    private final PrintWriter out;
    private final PrintWriter err;
    private final Ansi ansi;
    private final boolean quiet;
    private final int verbosity;
    private final boolean stderrTerminal;

    Console(PrintWriter out, PrintWriter err, Ansi ansi, boolean quiet, int verbosity, boolean stderrTerminal) {
        this.out = out;
        this.err = err;
        this.ansi = ansi;
        this.quiet = quiet;
        this.verbosity = verbosity;
        this.stderrTerminal = stderrTerminal;
    }

    /** Where results go (stdout): what scripts read. */
    public PrintWriter out() {
        return out;
    }

    /** Where messages for humans go (stderr). */
    public PrintWriter err() {
        return err;
    }

    public boolean quiet() {
        return quiet;
    }

    public boolean verbose() {
        return verbosity > 0;
    }

    /** True when progress bars may be drawn: stderr is a terminal and the user did not ask for quiet. */
    public boolean interactive() {
        return stderrTerminal && !quiet;
    }

    /** Marks up text with picocli's {@code @|style text|@} syntax, or strips it when colour is off. */
    public String style(String markup) {
        return ansi.string(markup);
    }

    @Override
    public void info(String message) {
        if (!quiet) {
            err.println(message);
            err.flush();
        }
    }

    @Override
    public void warn(String message) {
        err.println(style("@|bold,yellow tpb: warning:|@ ") + message);
        err.flush();
    }

    @Override
    public void debug(String message) {
        if (verbosity > 0) {
            err.println(style("@|faint tpb: debug: " + escape(message) + "|@"));
            err.flush();
        }
    }

    public void error(String message) {
        err.println(style("@|bold,red tpb: error:|@ ") + message);
        err.flush();
    }

    /** Text from elsewhere (paths, messages) must not be read as markup. */
    private static String escape(String text) {
        return text.replace("|@", "| @");
    }
}
