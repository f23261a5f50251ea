package dev.tpb.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.runtime.InferInput;
import dev.tpb.runtime.InferOutput;
import dev.tpb.runtime.InferRequest;
import dev.tpb.runtime.InferResult;
import dev.tpb.runtime.ModelSpec;
import dev.tpb.runtime.RequestValidator;
import dev.tpb.runtime.TensorJson;
import dev.tpb.runtime.TensorSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON of Triton's generate extension (server docs/protocol/extension_generate.md; http_server.cc,
 * GenerateRequestClass): a top-level key that names a model input is that input (its datatype and shape from the
 * model's configuration), any other key a request parameter, and "parameters" an object read the same way. A
 * response is one object: model_name, model_version, the response parameters and each output as a field of its own
 * (a single element as a scalar), in the order of the keys.
 */
final class GenerateCodec {
    static final String ONE_RESPONSE = "generate expects model to produce exactly 1 response, use generate stream for "
            + "model that generates various number of responses";

    private GenerateCodec() {
    }

    /** The inference request a generate body asks for; errors are Triton's (INVALID_ARG unless said otherwise). */
    static InferRequest request(ByteBuffer body, ModelSpec spec, long maxBytes) {
        JsonNode root;
        try {
            byte[] bytes = new byte[body.remaining()];
            body.duplicate().get(bytes);
            root = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw RequestError.invalid("failed to parse the request JSON buffer: "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw RequestError.invalid("failed to parse the request JSON buffer: expected a JSON object");
        }
        String id = "";
        ObjectNode parameters = Json.MAPPER.createObjectNode();
        List<InferInput> inputs = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.equals("id") && spec.input(key).isEmpty()) {
                if (!value.isTextual()) {
                    throw RequestError.invalid("Unable to parse 'id'");
                }
                id = value.textValue();
            } else if (key.equals("parameters")) {
                if (spec.input(key).isPresent()) {
                    throw RequestError.invalid("Keyword 'parameters' for nested schema also given as input tensor name");
                }
                if (!value.isObject()) {
                    throw RequestError.invalid("Expected JSON object for keyword: 'parameters'");
                }
                for (Iterator<Map.Entry<String, JsonNode>> p = value.fields(); p.hasNext(); ) {
                    Map.Entry<String, JsonNode> n = p.next();
                    try {
                        map(n.getKey(), n.getValue(), spec, maxBytes, inputs, parameters);
                    } catch (RequestError err) {
                        throw new RequestError(err.status(), "Converting keyword: 'parameters': " + err.getMessage());
                    }
                }
            } else {
                map(key, value, spec, maxBytes, inputs, parameters);
            }
        }
        RequestValidator.validate(spec, inputs);
        return new InferRequest(id, 0L, 0, 0, Json.MAPPER.valueToTree(parameters).toString(), inputs, List.of());
    }

    /** One key: an input when the model has one of that name, else a parameter (string, integer, boolean, number). */
    private static void map(String key, JsonNode value, ModelSpec spec, long maxBytes, List<InferInput> inputs,
                            ObjectNode parameters) {
        TensorSpec config = spec.input(key).orElse(null);
        if (config == null) {
            if (value.isTextual() || value.isIntegralNumber() || value.isBoolean() || value.isNumber()) {
                parameters.set(key, value);
                return;
            }
            throw RequestError.invalid("parameter '" + key + "' has invalid type. It should be either 'int', 'bool', "
                    + "or 'string'.");
        }
        for (InferInput in : inputs) {
            if (in.name().equals(key)) {
                throw RequestError.invalid("input '" + key + "' already exists in request");
            }
        }
        JsonNode array = value.isArray() ? value : Json.MAPPER.createArrayNode().add(value);
        long elements = array.size();
        long[] shape = shape(key, spec, config, elements);
        ByteBuffer data = TensorJson.read(key, array, config.datatype(), elements, maxBytes);
        inputs.add(new InferInput(key, config.datatype(), shape, data));
    }

    /**
     * Triton's shape for a flat value: from the innermost dimension out, each fixed one divides the count, the
     * innermost -1 (the batch dimension included) takes what is left and the other -1s are 1.
     */
    static long[] shape(String name, ModelSpec spec, TensorSpec config, long elements) {
        int offset = spec.batches() ? 1 : 0;
        long[] dims = new long[config.dims().length + offset];
        if (spec.batches()) {
            dims[0] = -1;
        }
        System.arraycopy(config.dims(), 0, dims, offset, config.dims().length);
        long count = elements;
        int innermostVariable = -1;
        for (int i = dims.length - 1; i >= 0; i--) {
            if (dims[i] == -1) {
                if (innermostVariable < 0) {
                    innermostVariable = i;
                }
            } else if (dims[i] == 0 || count % dims[i] != 0) {
                throw cannotShape(name);
            } else {
                count /= dims[i];
            }
        }
        long[] shape = dims.clone();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                shape[i] = i == innermostVariable ? count : 1;
            }
        }
        if (innermostVariable < 0 && count != 1) {
            throw cannotShape(name);
        }
        return shape;
    }

    private static RequestError cannotShape(String name) {
        return RequestError.invalid("The schema can not convert input '" + name + "' to tensor with proper shape");
    }

    /** One response as the generate schema writes it (the result is left open). */
    static byte[] response(InferResult result) {
        Map<String, JsonNode> fields = new TreeMap<>();
        fields.put("model_name", Json.MAPPER.getNodeFactory().textNode(result.modelName()));
        fields.put("model_version", Json.MAPPER.getNodeFactory().textNode(Long.toString(result.modelVersion())));
        if (result.id() != null && !result.id().isEmpty()) {
            fields.put("id", Json.MAPPER.getNodeFactory().textNode(result.id()));
        }
        if (!result.parametersJson().isEmpty()) {
            try {
                JsonNode parameters = Json.MAPPER.readTree(result.parametersJson());
                if (parameters != null) {
                    parameters.fields().forEachRemaining(e -> fields.putIfAbsent(e.getKey(), e.getValue()));
                }
            } catch (IOException e) {
                throw new RequestError(500, "the model's response parameters are not JSON: " + e.getMessage());
            }
        }
        for (InferOutput o : result.outputs()) {
            JsonNode values = TensorJson.toJson(o.name(), o.datatype(), o.data(), o.shape());
            fields.putIfAbsent(o.name(), values.size() == 1 ? values.get(0) : values);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, JsonNode> e : fields.entrySet()) {
                g.writeFieldName(e.getKey());
                Json.MAPPER.writeTree(g, e.getValue());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A server-sent event holding {@code json}: "data: ", the JSON, a blank line (no event or id lines). */
    static byte[] event(byte[] json) {
        byte[] out = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, out, 0, 6);
        System.arraycopy(json, 0, out, 6, json.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }
}
