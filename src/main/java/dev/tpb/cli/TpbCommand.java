package dev.tpb.cli;

import dev.tpb.BuildInfo;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top command. Global options are inherited by every subcommand and always set here, on the root. */
@Command(
        name = "tpb",
        versionProvider = TpbCommand.Version.class,
        description = "Toolkit for NVIDIA Triton Inference Server's Python backend: stubs per Python version, "
                + "relocatable environments, config.pbtxt editing and a local stand-in server.",
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n",
        footer = "Run 'tpb COMMAND --help' for more about a command.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:success", "1:failure", "2:usage error (unknown command or option, bad value)"},
        sortOptions = false)
public final class TpbCommand implements Callable<Integer> {
    /** The subcommands, in the order help lists them (registered by {@link Main}, see there). */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            DemoCommand.class,
            ConfigCommand.class,
            PackEnvCommand.class,
            UnpackEnvCommand.class,
            BuildStubCommand.class,
            InferCommand.class,
            RunCommand.class,
            PythonCommand.class,
            DoctorCommand.class,
            CompletionCommand.class);

    @Spec
    CommandSpec spec;

    private int verbosity;
    private boolean quiet;
    private boolean noColor;
    private Console console;

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
            description = "Show this help message and exit.")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the tpb and Java versions and exit.")
    boolean version;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Show debug output and stack traces.")
    void setVerbose(boolean[] flags) {
        verbosity = flags.length;
    }

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
            description = "Print only results, warnings and errors.")
    void setQuiet(boolean value) {
        quiet = value;
    }

    @Option(names = "--no-color", scope = ScopeType.INHERIT,
            description = "Never use colour (also when NO_COLOR is set; colour is only used on a terminal).")
    void setNoColor(boolean value) {
        noColor = value;
    }

    @Override
    public Integer call() {
        // `tpb` alone is a usage error, but show what there is to do.
        spec.commandLine().usage(spec.commandLine().getErr(), spec.commandLine().getColorScheme());
        return Main.USAGE;
    }

    int verbosity() {
        return verbosity;
    }

    /** Built on first use, after parsing, so it sees the global options wherever they were given. */
    Console console() {
        if (console == null) {
            CommandLine cmd = spec.commandLine();
            console = new Console(cmd.getOut(), cmd.getErr(), Main.ansiFor(noColor, Terminal.STDERR),
                    quiet, verbosity, Terminal.isTerminal(Terminal.STDERR));
        }
        return console;
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "tpb " + BuildInfo.version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
                        + System.getProperty("java.home") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
            };
        }
    }
}
