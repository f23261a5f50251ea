package dev.tpb.cli;

import dev.tpb.UsageException;
import dev.tpb.config.ConfigEditor;
import dev.tpb.config.FieldPath;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "set-backend",
        description = "Set the backend field (e.g. python or python_3_10), replacing it in place if it is there.")
final class ConfigSetBackendCommand extends TpbSubcommand {
    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "The model directory (or its config.pbtxt).")
    Path model;

    @Parameters(index = "1", paramLabel = "BACKEND", description = "The backend name, e.g. python_3_10.")
    String backend;

    @Mixin
    ConfigEditOptions options;

    @Override
    protected int run() {
        if (backend.isBlank() || !backend.matches("[A-Za-z0-9_.\\-]+")) {
            throw new UsageException("invalid backend name '" + backend + "': Triton looks it up as a directory "
                    + "name under the backends directory (letters, digits, '_', '-', '.')");
        }
        Path file = ConfigFileEdit.locate(model);
        return ConfigFileEdit.run(console(), file, options,
                doc -> ConfigEditor.set(doc, FieldPath.parse("backend"), backend), "set backend to \"" + backend + "\"",
                "backend is already \"" + backend + "\"");
    }
}
