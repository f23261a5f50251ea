package dev.tpb.cli;

import dev.tpb.config.ConfigEditor;
import dev.tpb.config.FieldPath;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "set",
        description = {
            "Set any field, creating the messages on its path.",
            "FIELD_PATH: max_batch_size, dynamic_batching.max_queue_delay_microseconds, instance_group[0].count, "
                    + "input[INPUT0].dims, parameters[KEY].",
            "VALUE: a string as is (tpb adds the quotes), an enum name, a number, true or false; [4, -1] or 4,-1 for "
                    + "a repeated field; text format for a message, e.g. '{ kind: KIND_CPU count: 2 }'.",
        })
final class ConfigSetCommand extends TpbSubcommand {
    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "The model directory (or its config.pbtxt).")
    Path model;

    @Parameters(index = "1", paramLabel = "FIELD_PATH", description = "The field to set.")
    String field;

    @Parameters(index = "2", paramLabel = "VALUE", description = "The new value.")
    String value;

    @Mixin
    ConfigEditOptions options;

    @Override
    protected int run() {
        FieldPath path = FieldPath.parse(field);
        Path file = ConfigFileEdit.locate(model);
        return ConfigFileEdit.run(console(), file, options, doc -> ConfigEditor.set(doc, path, value),
                "set " + path, path + " already has that value");
    }
}
