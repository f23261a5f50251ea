package dev.tpb.cli;

import dev.tpb.TpbException;
import dev.tpb.config.ConfigDocument;
import dev.tpb.config.ModelConfigLocator;
import dev.tpb.util.AtomicFiles;
import dev.tpb.util.UnifiedDiff;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Runs one edit of a config file for the mutating {@code tpb config} commands: parse, edit, then show the diff
 * ({@code --dry-run}), report whether it would change ({@code --check}) or write it atomically, keeping the mode
 * (through a symbolic link, the file it points to is written). Nothing is written when anything fails.
 */
final class ConfigFileEdit {
    private ConfigFileEdit() {
    }

    /** The config file for a model directory or file argument. */
    static Path locate(Path modelDirOrFile) {
        return ModelConfigLocator.find(modelDirOrFile);
    }

    static int run(Console console, Path file, ConfigEditOptions options, UnaryOperator<ConfigDocument> edit,
                   String done, String unchanged) {
        ConfigDocument doc = ConfigDocument.parse(file);
        ConfigDocument edited = edit.apply(doc);
        String before = doc.text();
        String after = edited.print();
        boolean changed = !before.equals(after);
        if (options.dryRun) {
            console.out().print(UnifiedDiff.diff(before, after, file.toString(), file.toString()));
            console.out().flush();
        }
        if (!changed) {
            console.info(file + ": " + unchanged + "; nothing to change");
            return Main.OK;
        }
        if (options.check) {
            console.error(file + " would change (" + done + ")"
                    + (options.dryRun ? "" : "; see the change with --dry-run"));
            return Main.FAILURE;
        }
        if (options.dryRun) {
            return Main.OK;
        }
        Path target = file;
        try {
            target = file.toRealPath();
        } catch (IOException e) {
            throw new TpbException("cannot resolve " + file + ": " + AtomicFiles.describe(e), e);
        }
        AtomicFiles.writeString(target, after);
        console.info(file + ": " + done);
        return Main.OK;
    }
}
