package dev.tpb.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of a model's (completed) configuration the runtime and the server act on, read from Triton's
 * model-config JSON. {@link #json()} is the whole configuration as /v2/models/{m}/config serves it.
 */
public record ModelSpec(String name, String platform, String backend, int maxBatchSize, List<TensorSpec> inputs,
                        List<TensorSpec> outputs, List<InstanceGroupSpec> instanceGroups,
                        Optional<DynamicBatching> dynamicBatching, QueuePolicy queuePolicy, boolean decoupled,
                        String defaultModelFilename, Map<String, String> parameters, ObjectNode json) {

    public static ModelSpec of(ObjectNode json) {
        List<InstanceGroupSpec> groups = new ArrayList<>();
        for (JsonNode g : json.path("instance_group")) {
            groups.add(new InstanceGroupSpec(g.path("name").asText(""), g.path("kind").asText("KIND_AUTO"),
                    g.path("count").asInt(1)));
        }
        Optional<DynamicBatching> batching = Optional.empty();
        QueuePolicy policy = QueuePolicy.NONE;
        JsonNode db = json.get("dynamic_batching");
        if (db != null && db.isObject()) {
            List<Integer> preferred = new ArrayList<>();
            db.path("preferred_batch_size").forEach(n -> preferred.add(n.asInt()));
            batching = Optional.of(new DynamicBatching(preferred, db.path("max_queue_delay_microseconds").asLong(0)));
            policy = QueuePolicy.of(db.get("default_queue_policy"));
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        json.path("parameters").fields().forEachRemaining(e ->
                parameters.put(e.getKey(), e.getValue().path("string_value").asText("")));
        return new ModelSpec(json.path("name").asText(""), json.path("platform").asText(""),
                json.path("backend").asText(""), json.path("max_batch_size").asInt(0), tensors(json.path("input")),
                tensors(json.path("output")), groups, batching, policy,
                json.path("model_transaction_policy").path("decoupled").asBoolean(false),
                json.path("default_model_filename").asText(""), parameters, json);
    }

    private static List<TensorSpec> tensors(JsonNode array) {
        List<TensorSpec> list = new ArrayList<>();
        for (JsonNode t : array) {
            JsonNode dimsNode = t.path("dims");
            long[] dims = new long[dimsNode.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = dimsNode.get(i).asLong();
            }
            DataType type = DataType.parse(t.path("data_type").asText()).orElse(null);
            list.add(new TensorSpec(t.path("name").asText(), type, dims, t.path("optional").asBoolean(false)));
        }
        return list;
    }

    /** sequence_batching { iterative_sequence: true }: what Triton requires for request rescheduling. */
    public boolean iterativeSequence() {
        return json.path("sequence_batching").path("iterative_sequence").asBoolean(false);
    }

    public boolean batches() {
        return maxBatchSize > 0;
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** What the KServe metadata calls the platform: the config's platform, else its backend. */
    public String platformOrBackend() {
        return platform.isEmpty() ? backend : platform;
    }
}
