package dev.tpb.cli;

import picocli.CommandLine.Command;

/** {@code tpb config}: the parent of the config.pbtxt subcommands. */
@Command(
        name = "config",
        description = "Show, edit and check config.pbtxt files; edits keep comments and layout.",
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        subcommands = {
            ConfigShowCommand.class,
            ConfigSetEnvCommand.class,
            ConfigSetBackendCommand.class,
            ConfigSetCommand.class,
            ConfigUnsetCommand.class,
            ConfigValidateCommand.class,
        })
final class ConfigCommand extends TpbSubcommand {
    @Override
    protected int run() {
        spec.commandLine().usage(spec.commandLine().getErr(), spec.commandLine().getColorScheme());
        return Main.USAGE;
    }
}
