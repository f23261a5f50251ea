package dev.tpb.config;

import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Finds a model's config.pbtxt from a model directory or the file itself. */
public final class ModelConfigLocator {
    public static final String CONFIG_FILE = "config.pbtxt";

    private ModelConfigLocator() {
    }

    /** The config file: {@code path} itself if it is a file, else {@code path/config.pbtxt}. */
    public static Path find(Path modelDirOrConfigFile) {
        Path path = modelDirOrConfigFile;
        if (Files.isRegularFile(path)) {
            return path;
        }
        if (!Files.exists(path)) {
            throw new TpbException("no such file or directory: " + path);
        }
        if (!Files.isDirectory(path)) {
            throw new TpbException(path + " is neither a config file nor a model directory");
        }
        Path config = path.resolve(CONFIG_FILE);
        if (Files.isRegularFile(config)) {
            return config;
        }
        String hint = "";
        List<String> alternatives = alternatives(path);
        if (!alternatives.isEmpty()) {
            hint = " (it has " + String.join(", ", alternatives) + "; pass that file instead)";
        }
        throw new TpbException("no " + CONFIG_FILE + " in " + path + ": looked for " + config + hint);
    }

    /** Configs Triton would read with --model-config-name. */
    private static List<String> alternatives(Path dir) {
        Path configs = dir.resolve("configs");
        if (!Files.isDirectory(configs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(configs)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".pbtxt"))
                    .map(f -> dir.relativize(f).toString()).sorted().limit(5).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The model directory a config file belongs to: the parent of {@code config.pbtxt}, the grandparent of
     * {@code configs/<name>.pbtxt} (Triton's {@code --model-config-name}), else the parent.
     */
    public static Path modelDirectory(Path configFile) {
        Path absolute = configFile.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("configs")
                && !absolute.getFileName().toString().equals(CONFIG_FILE) && parent.getParent() != null) {
            return parent.getParent();
        }
        return parent;
    }
}
