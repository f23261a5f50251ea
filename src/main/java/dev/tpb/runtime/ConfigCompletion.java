package dev.tpb.runtime;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.config.ConfigDocument;
import dev.tpb.config.ModelConfigJson;
import dev.tpb.config.ModelConfigLocator;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Triton's core does to a model configuration before the Python backend sees it: read config.pbtxt (or
 * start from nothing), take the name from the directory, infer backend "python" from a model.py, and give every
 * instance group a name, a count and a kind.
 */
final class ConfigCompletion {
    private ConfigCompletion() {
    }

    /** The configuration as read from the model directory, with name and backend filled in. */
    static ObjectNode read(Path modelDir, Path firstVersionDir, ObjectNode override, boolean autoComplete) {
        String dirName = modelDir.getFileName().toString();
        Path file = modelDir.resolve(ModelConfigLocator.CONFIG_FILE);
        if (override == null && !autoComplete && !Files.isRegularFile(file)) {
            // Without auto-completion the configuration must be there (core ReadTextProto)
            throw new TpbException("failed to open text file for read " + file + ": No such file or directory");
        }
        ObjectNode json = override != null ? override.deepCopy()
                : Files.isRegularFile(file)
                ? ModelConfigJson.of(ConfigDocument.parse(file))
                : ModelConfigJson.normalize(JsonNodeFactory.instance.objectNode());
        String name = json.path("name").asText("");
        if (name.isEmpty()) {
            json.put("name", dirName);
        } else if (!name.equals(dirName)) {
            throw new TpbException("unexpected directory name '" + dirName + "' for model '" + name
                    + "', directory name must equal model name");
        }
        if (json.path("backend").asText("").isEmpty() && json.path("platform").asText("").isEmpty()) {
            String file0 = json.path("default_model_filename").asText("");
            Path versionDir = firstVersionDir;
            if (versionDir != null && Files.isRegularFile(versionDir.resolve(file0.isEmpty() ? "model.py" : file0))) {
                json.put("backend", "python");
                if (file0.isEmpty()) {
                    json.put("default_model_filename", "model.py");
                }
            }
        }
        return json;
    }

    /** After auto_complete_config: instance groups named, counted and placed (tpb runs every kind on CPU). */
    static ObjectNode finish(ObjectNode json, Reporter reporter) {
        ObjectNode completed = ModelConfigJson.normalize(json);
        String model = completed.path("name").asText();
        if (completed.path("default_model_filename").asText("").isEmpty()) {
            completed.put("default_model_filename", "model.py");
        }
        ArrayNode groups = completed.withArray("instance_group");
        if (groups.isEmpty()) {
            groups.addObject().put("kind", "KIND_CPU").put("count", 1);
        }
        for (int i = 0; i < groups.size(); i++) {
            ObjectNode g = (ObjectNode) groups.get(i);
            if (g.path("name").asText("").isEmpty()) {
                g.put("name", model + "_" + i);
            }
            if (g.path("count").asInt(0) < 1) {
                g.put("count", 1);
            }
            String kind = g.path("kind").asText("KIND_AUTO");
            if (kind.equals("KIND_AUTO")) {
                g.put("kind", "KIND_CPU");
            } else if (kind.equals("KIND_GPU")) {
                reporter.warn("model '" + model + "' asks for KIND_GPU instances; tpb runs them on the CPU");
            }
        }
        if (!completed.has("version_policy") || completed.path("version_policy").isEmpty()) {
            completed.putObject("version_policy").putObject("latest").put("num_versions", 1);
        }
        return ModelConfigJson.normalize(completed);
    }
}
