package dev.tpb.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tpb.UsageException;
import dev.tpb.config.ConfigDocument;
import dev.tpb.config.ExecutionEnvPaths;
import dev.tpb.config.ModelConfigJson;
import dev.tpb.config.ModelConfigLocator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "show",
        description = "Show a model's config: a summary, or with --json/--yaml the whole config as Triton's "
                + "model-config JSON (what initialize(args)[\"model_config\"] receives, before auto-completion).")
final class ConfigShowCommand extends TpbSubcommand {
    @Parameters(paramLabel = "MODEL_DIR|FILE", description = "A model directory or a config file.")
    Path model;

    @Option(names = "--json", description = "Print Triton's model-config JSON.")
    boolean json;

    @Option(names = "--yaml", description = "Print the same as YAML.")
    boolean yaml;

    @Override
    protected int run() throws JsonProcessingException {
        if (json && yaml) {
            throw new UsageException("--json and --yaml cannot be used together");
        }
        Path file = ModelConfigLocator.find(model);
        ConfigDocument doc = ConfigDocument.parse(file);
        ObjectNode config = ModelConfigJson.of(doc);
        PrintWriter out = console().out();
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(config));
        } else if (yaml) {
            out.print(new YAMLMapper().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).writeValueAsString(config));
        } else {
            summary(out, file, config);
        }
        out.flush();
        return Main.OK;
    }

    private void summary(PrintWriter out, Path file, ObjectNode config) {
        Path modelDir = ModelConfigLocator.modelDirectory(file);
        String name = config.path("name").asText();
        row(out, "config", file.toString());
        row(out, "name", name.isEmpty() ? "(not set: Triton uses the directory name '" + modelDir.getFileName()
                + "')" : name);
        for (String field : List.of("platform", "backend", "runtime", "default_model_filename")) {
            String value = config.path(field).asText();
            if (!value.isEmpty()) {
                row(out, field, value);
            }
        }
        row(out, "max_batch_size", config.path("max_batch_size").asText());
        row(out, "input", tensors(config.path("input")));
        row(out, "output", tensors(config.path("output")));
        for (String scheduler : List.of("dynamic_batching", "sequence_batching", "ensemble_scheduling")) {
            if (config.has(scheduler)) {
                row(out, "scheduling", scheduler);
            }
        }
        if (config.path("model_transaction_policy").path("decoupled").asBoolean()) {
            row(out, "decoupled", "true");
        }
        List<String> groups = new ArrayList<>();
        for (JsonNode group : config.path("instance_group")) {
            int count = group.path("count").asInt();
            groups.add((count == 0 ? "" : count + " x ") + group.path("kind").asText()
                    + (group.path("name").asText().isEmpty() ? "" : " (" + group.path("name").asText() + ")"));
        }
        row(out, "instance_group", groups.isEmpty() ? "(not set: Triton adds one)" : String.join(", ", groups));
        JsonNode parameters = config.path("parameters");
        if (!parameters.isEmpty()) {
            out.println("parameters:");
            for (Iterator<Map.Entry<String, JsonNode>> it = parameters.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String value = e.getValue().path("string_value").asText();
                String resolved = "";
                if (e.getKey().equals(ExecutionEnvPaths.PARAMETER) && !value.isEmpty()) {
                    resolved = " (" + ExecutionEnvPaths.resolve(value, modelDir) + ")";
                }
                out.println("  " + e.getKey() + ": " + value + resolved);
            }
        }
    }

    private static String tensors(JsonNode list) {
        List<String> tensors = new ArrayList<>();
        for (JsonNode tensor : list) {
            List<String> dims = new ArrayList<>();
            tensor.path("dims").forEach(d -> dims.add(d.asText()));
            tensors.add(tensor.path("name").asText() + " " + tensor.path("data_type").asText() + " ["
                    + String.join(", ", dims) + "]" + (tensor.path("optional").asBoolean() ? " optional" : ""));
        }
        return tensors.isEmpty() ? "(none)" : String.join(", ", tensors);
    }

    private static void row(PrintWriter out, String key, String value) {
        out.printf("%-16s %s%n", key + ":", value);
    }
}
