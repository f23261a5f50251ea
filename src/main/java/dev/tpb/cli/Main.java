package dev.tpb.cli;

import dev.tpb.TpbException;
import dev.tpb.UsageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** Entry point. Exit status: 0 success, 1 failure, 2 usage error. Errors are one line on stderr. */
public final class Main {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // CI loops call this: answer without building the command model (picocli's classes are
            // Java 5 bytecode that class-data sharing cannot archive, so building it costs ~150 ms).
            for (String line : new TpbCommand.Version().getVersion()) {
                out.println(line);
            }
            out.flush();
            System.exit(OK);
        }
        int status = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /** Runs tpb in this process with the given streams; what tests call. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return commandLine(out, err, hasNoColor(args), subcommandNamed(args)).execute(args);
    }

    /** The whole live command model: also the source of the completion scripts. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, boolean noColor) {
        return commandLine(out, err, noColor, null);
    }

    /**
     * The command model with every subcommand, or with only {@code only}: picocli builds a model by reflection
     * (~0.1 s for all of tpb's commands), and a command that is named needs only its own.
     */
    private static CommandLine commandLine(PrintWriter out, PrintWriter err, boolean noColor, Class<?> only) {
        CommandLine cmd = new CommandLine(new TpbCommand());
        for (Class<?> sub : TpbCommand.SUBCOMMANDS) {
            if (only == null || sub == only) {
                cmd.addSubcommand(sub);
            }
        }
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setColorScheme(CommandLine.Help.defaultColorScheme(ansiFor(noColor, Terminal.STDOUT)));
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler(Main::usageError);
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failure(ex, commandLine));
        return cmd;
    }

    /** Colour only on a terminal, never with --no-color or NO_COLOR (https://no-color.org). */
    static Ansi ansiFor(boolean noColor, int fd) {
        Map<String, String> env = System.getenv();
        if (noColor || !env.getOrDefault("NO_COLOR", "").isEmpty()) {
            return Ansi.OFF;
        }
        if (!env.getOrDefault("CLICOLOR_FORCE", "0").equals("0")) {
            return Ansi.ON;
        }
        return Terminal.isTerminal(fd) ? Ansi.ON : Ansi.OFF;
    }

    /** The subcommand the first word names (global options take no values), or null: build them all. */
    private static Class<?> subcommandNamed(String[] args) {
        for (String arg : args) {
            if (arg.equals("--")) {
                return null;
            }
            if (!arg.startsWith("-")) {
                for (Class<?> sub : TpbCommand.SUBCOMMANDS) {
                    if (sub.getAnnotation(CommandLine.Command.class).name().equals(arg)) {
                        return sub;
                    }
                }
                return null; // a typo: the full model suggests the closest command
            }
        }
        return null;
    }

    private static boolean hasNoColor(String[] args) {
        for (String arg : args) {
            if (arg.equals("--")) {
                return false;
            }
            if (arg.equals("--no-color")) {
                return true;
            }
        }
        return false;
    }

    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        console(cmd).error(describe(ex) + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        return USAGE;
    }

    private static String describe(ParameterException ex) {
        if (ex instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            CommandLine cmd = ex.getCommandLine();
            String arg = unmatched.getUnmatched().get(0);
            List<String> suggestions = unmatched.getSuggestions();
            String hint = suggestions.isEmpty() ? "" : "; did you mean '" + suggestions.get(0) + "'?";
            String where = cmd.getCommandSpec().qualifiedName();
            if (unmatched.isUnknownOption()) {
                return "unknown option '" + arg + "' for '" + where + "'" + hint;
            }
            if (!cmd.getSubcommands().isEmpty() && cmd.getCommandSpec().positionalParameters().isEmpty()) {
                return "unknown command '" + arg + "' for '" + where + "'" + hint;
            }
            return "unexpected argument '" + arg + "' for '" + where + "'" + hint;
        }
        return lowerFirst(ex.getMessage());
    }

    private static int failure(Exception ex, CommandLine cmd) {
        Console console = console(cmd);
        if (ex instanceof ParameterException pe) {
            return usageError(pe, new String[0]);
        }
        if (ex instanceof UsageException) {
            console.error(ex.getMessage());
            return USAGE;
        }
        if (ex instanceof TpbException) {
            console.error(ex.getMessage());
        } else if (ex instanceof IOException || ex instanceof UncheckedIOException) {
            console.error(ioMessage(ex instanceof UncheckedIOException u ? u.getCause() : (IOException) ex));
        } else {
            console.error("unexpected " + ex.getClass().getSimpleName()
                    + (ex.getMessage() == null ? "" : ": " + ex.getMessage())
                    + (console.verbose() ? "" : " (run with --verbose for the stack trace)"));
        }
        if (console.verbose()) {
            ex.printStackTrace(console.err());
            console.err().flush();
        }
        return FAILURE;
    }

    private static String ioMessage(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + e.getMessage();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists: " + e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static Console console(CommandLine cmd) {
        return ((TpbCommand) cmd.getCommandSpec().root().userObject()).console();
    }

    private static String lowerFirst(String s) {
        if (s == null || s.isEmpty()) {
            return "invalid arguments";
        }
        // Keep acronyms and names ("JSON", "'SHELL'") as they are.
        if (s.length() > 1 && Character.isUpperCase(s.charAt(1))) {
            return s;
        }
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
