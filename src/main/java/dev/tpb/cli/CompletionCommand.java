package dev.tpb.cli;

import dev.tpb.cli.completion.BashCompletion;
import dev.tpb.cli.completion.CompletionModel;
import dev.tpb.cli.completion.FishCompletion;
import dev.tpb.cli.completion.ZshCompletion;
import java.io.PrintWriter;
import java.io.Writer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "completion",
        description = "Print a shell completion script for bash, zsh or fish.",
        footerHeading = "%nInstall:%n",
        footer = {
            "  bash: source <(tpb completion bash)        # or save it in ~/.local/share/bash-completion/completions/tpb",
            "  zsh:  tpb completion zsh > ~/.zfunc/_tpb    # with ~/.zfunc on $fpath before compinit",
            "  fish: tpb completion fish > ~/.config/fish/completions/tpb.fish",
        })
final class CompletionCommand extends TpbSubcommand {
    enum Shell { bash, zsh, fish }

    @Parameters(paramLabel = "SHELL", description = "The shell: ${COMPLETION-CANDIDATES}.")
    Shell shell;

    @Override
    protected int run() {
        // The whole model: this run may have registered only this command (Main builds what a run needs).
        CommandLine root = Main.commandLine(new PrintWriter(Writer.nullWriter()), new PrintWriter(Writer.nullWriter()),
                true);
        console().out().print(script(root, shell));
        console().out().flush();
        return Main.OK;
    }

    /** Generated from the live command model, so the scripts never drift from the options. */
    static String script(CommandLine root, Shell shell) {
        return switch (shell) {
            case bash -> BashCompletion.script(CompletionModel.of(root));
            case zsh -> ZshCompletion.script(CompletionModel.of(root));
            case fish -> FishCompletion.script(CompletionModel.of(root));
        };
    }
}
