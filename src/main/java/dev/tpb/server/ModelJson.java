package dev.tpb.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.runtime.LoadedModel;
import dev.tpb.runtime.ModelSpec;
import dev.tpb.runtime.ModelStats;
import dev.tpb.runtime.ModelStatus;
import dev.tpb.runtime.TensorSpec;
import java.util.List;

/** The JSON bodies that describe models: metadata, statistics and the repository index, in Triton's shapes. */
final class ModelJson {
    private ModelJson() {
    }

    /** GET /v2/models/{m}: shapes are dims with a leading -1 when the model batches. */
    static ObjectNode metadata(ModelSpec spec, List<String> versions) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("name", spec.name());
        ArrayNode v = root.putArray("versions");
        versions.forEach(v::add);
        root.put("platform", spec.platformOrBackend());
        tensors(root.putArray("inputs"), spec.inputs(), spec.batches());
        tensors(root.putArray("outputs"), spec.outputs(), spec.batches());
        return root;
    }

    private static void tensors(ArrayNode array, List<TensorSpec> tensors, boolean batches) {
        for (TensorSpec t : tensors) {
            ObjectNode o = array.addObject();
            o.put("name", t.name());
            o.put("datatype", t.datatype() == null ? "INVALID" : t.datatype().name());
            ArrayNode shape = o.putArray("shape");
            if (batches) {
                shape.add(-1);
            }
            for (long d : t.dims()) {
                shape.add(d);
            }
        }
    }

    /** {"model_stats": [...]} for the given model versions. */
    static ObjectNode statistics(List<LoadedModel> models) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode list = root.putArray("model_stats");
        for (LoadedModel m : models) {
            ModelStats.Snapshot s = m.stats().snapshot();
            ObjectNode o = list.addObject();
            o.put("name", m.name());
            o.put("version", Long.toString(m.version()));
            o.put("last_inference", s.lastInferenceMillis());
            o.put("inference_count", s.inferenceCount());
            o.put("execution_count", s.executionCount());
            ObjectNode inference = o.putObject("inference_stats");
            duration(inference, "success", s.success());
            duration(inference, "fail", s.fail());
            duration(inference, "queue", s.queue());
            duration(inference, "compute_input", s.computeInput());
            duration(inference, "compute_infer", s.computeInfer());
            duration(inference, "compute_output", s.computeOutput());
            duration(inference, "cache_hit", new ModelStats.Duration(0, 0));
            duration(inference, "cache_miss", new ModelStats.Duration(0, 0));
            o.putObject("response_stats");
            ArrayNode batches = o.putArray("batch_stats");
            for (ModelStats.Batch b : s.batches().values()) {
                ObjectNode bo = batches.addObject();
                bo.put("batch_size", b.batchSize());
                duration(bo, "compute_input", b.computeInput());
                duration(bo, "compute_infer", b.computeInfer());
                duration(bo, "compute_output", b.computeOutput());
            }
            ArrayNode memory = o.putArray("memory_usage");
            ObjectNode cpu = memory.addObject();
            cpu.put("type", "CPU");
            cpu.put("id", 0);
            cpu.put("byte_size", 0);
        }
        return root;
    }

    private static void duration(ObjectNode parent, String name, ModelStats.Duration d) {
        ObjectNode o = parent.putObject(name);
        o.put("count", d.count());
        o.put("ns", d.ns());
    }

    /** POST /v2/repository/index: one entry per model version (version, state, reason when known). */
    static ArrayNode index(List<ModelStatus> statuses, boolean readyOnly) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (ModelStatus s : statuses) {
            if (readyOnly && s.state() != dev.tpb.runtime.ModelState.READY) {
                continue;
            }
            ObjectNode o = array.addObject();
            o.put("name", s.name());
            if (!s.version().isEmpty()) {
                o.put("version", s.version());
            }
            o.put("state", s.state().name());
            if (s.reason() != null && !s.reason().isEmpty()) {
                o.put("reason", s.reason());
            }
        }
        return array;
    }
}
