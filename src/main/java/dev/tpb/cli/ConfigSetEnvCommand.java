package dev.tpb.cli;

import dev.tpb.config.ConfigEditor;
import dev.tpb.config.ExecutionEnvPaths;
import dev.tpb.config.ModelConfigLocator;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "set-env",
        description = {
            "Set the EXECUTION_ENV_PATH parameter to a packed environment: a gzip tar, a plain tar or a directory.",
            "A path inside the model directory is written as $$TRITON_MODEL_DIRECTORY/<path>; one outside is written "
                    + "absolute, with a warning (Triton's behaviour there is undefined). An existing entry is "
                    + "updated in place.",
        })
final class ConfigSetEnvCommand extends TpbSubcommand {
    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "The model directory (or its config.pbtxt).")
    Path model;

    @Parameters(index = "1", paramLabel = "ENV_PATH",
            description = "The environment, relative to the current directory, or a value starting with "
                    + "$$TRITON_MODEL_DIRECTORY (quote it for the shell).")
    String envPath;

    @Mixin
    ConfigEditOptions options;

    @Override
    protected int run() {
        Path file = ConfigFileEdit.locate(model);
        Path modelDir = ModelConfigLocator.modelDirectory(file);
        ExecutionEnvPaths.Encoded encoded = ExecutionEnvPaths.encode(envPath, modelDir);
        return ConfigFileEdit.run(console(), file, options, doc -> {
            encoded.warnings().forEach(console()::warn); // once the file is known to parse
            return ConfigEditor.setParameter(doc, ExecutionEnvPaths.PARAMETER, encoded.value());
        },
                "set " + ExecutionEnvPaths.PARAMETER + " to \"" + encoded.value() + "\"",
                ExecutionEnvPaths.PARAMETER + " is already \"" + encoded.value() + "\"");
    }
}
