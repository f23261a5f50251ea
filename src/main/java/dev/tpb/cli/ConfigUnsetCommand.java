package dev.tpb.cli;

import dev.tpb.config.ConfigEditor;
import dev.tpb.config.FieldPath;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "unset",
        description = "Remove a field (every occurrence), an element (input[1], input[INPUT0]) or a map entry "
                + "(parameters[KEY]). Nothing to remove is not an error.")
final class ConfigUnsetCommand extends TpbSubcommand {
    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "The model directory (or its config.pbtxt).")
    Path model;

    @Parameters(index = "1", paramLabel = "FIELD_PATH", description = "The field to remove.")
    String field;

    @Mixin
    ConfigEditOptions options;

    @Override
    protected int run() {
        FieldPath path = FieldPath.parse(field);
        Path file = ConfigFileEdit.locate(model);
        return ConfigFileEdit.run(console(), file, options, doc -> ConfigEditor.unset(doc, path),
                "removed " + path, path + " is not set");
    }
}
