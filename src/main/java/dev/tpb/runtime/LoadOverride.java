package dev.tpb.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.TpbException;
import dev.tpb.config.ModelConfigJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a load request (HTTP repository API, pb_utils.load_model) puts in place of the repository's: a model
 * configuration (JSON, as Triton's "config" load parameter) and, with it, the model directory's files ("file:<path>"
 * parameters), written to a directory of their own. Checks and messages are core's (model_repository_manager.cc).
 */
record LoadOverride(ObjectNode config, Path modelDir) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** null when the request overrides nothing. */
    static LoadOverride of(String model, String config, Map<String, byte[]> files) {
        boolean hasConfig = config != null && !config.isEmpty();
        if (!hasConfig && (files == null || files.isEmpty())) {
            return null;
        }
        if (!hasConfig) {
            throw new ModelControlException(ErrorCode.INVALID_ARG,
                    "Load parameter 'config' must be specified for model file override");
        }
        ObjectNode json;
        try {
            JsonNode parsed = JSON.readTree(config);
            json = ModelConfigJson.normalize(parsed);
        } catch (IOException | TpbException e) {
            String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage()
                    : e.getMessage();
            throw new ModelControlException(ErrorCode.INVALID_ARG, "Invalid config override: " + why);
        }
        Path dir = null;
        if (files != null && !files.isEmpty()) {
            dir = write(model, files);
        }
        return new LoadOverride(json, dir);
    }

    private static Path write(String model, Map<String, byte[]> files) {
        Path root;
        try {
            root = Files.createTempDirectory("tpb-load-" + model + "-");
        } catch (IOException e) {
            throw new TpbException("cannot make a directory for the files of model '" + model + "': " + e.getMessage(), e);
        }
        Path dir = root.resolve(model);
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                String name = f.getKey();
                if (!name.startsWith("file:")) {
                    throw new ModelControlException(ErrorCode.INVALID_ARG, "Unrecognized load parameter '" + name + "'");
                }
                Path target = dir.resolve(name.substring(5)).normalize();
                if (!target.startsWith(dir) || target.equals(dir)) {
                    throw new ModelControlException(ErrorCode.INVALID_ARG, "Invalid file parameter '" + name
                            + "' with normalized path '" + target + "' must stay within model directory.");
                }
                if (Files.isDirectory(target)) {
                    throw new ModelControlException(ErrorCode.INVALID_ARG, "Invalid file parameter '" + name
                            + "', directory has been created as a file");
                }
                Files.createDirectories(target.getParent());
                Files.write(target, f.getValue());
            }
            return dir;
        } catch (IOException | RuntimeException e) {
            delete(root);
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new TpbException("cannot write the files of model '" + model + "': " + e.getMessage(), e);
        }
    }

    /** Removes the directory the override's files went to (on unload). */
    void discard() {
        if (modelDir != null) {
            delete(modelDir.getParent());
        }
    }

    private static void delete(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the system cleans it eventually
        }
    }
}
