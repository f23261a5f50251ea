package dev.tpb.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.runtime.RequestValidator;
import dev.tpb.runtime.TensorJson;
import dev.tpb.runtime.DataType;
import dev.tpb.runtime.InferInput;
import dev.tpb.runtime.InferRequest;
import dev.tpb.runtime.ModelSpec;
import dev.tpb.runtime.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the body of {@code POST .../infer} into an {@link InferRequest}: the JSON header, the binary tensor data
 * extension (inputs as slices of the body, no copy), the raw binary form, request parameters; then checks the
 * request against the model's configuration, so that nothing invalid reaches Python. Errors use Triton's words.
 */
final class InferRequestReader {
    private static final long FLAG_SEQUENCE_START = 1;
    private static final long FLAG_SEQUENCE_END = 2;

    record Parsed(InferRequest request, OutputSelection outputs) {
    }

    private InferRequestReader() {
    }

    /**
     * @param body         the (decompressed) request body
     * @param headerLength Inference-Header-Content-Length, or -1 when the header is absent (all JSON)
     */
    static Parsed read(ByteBuffer body, long headerLength, ModelSpec spec, long maxBytes) {
        if (headerLength == 0) {
            return readRaw(body, spec);
        }
        int jsonLength = headerLength < 0 ? body.remaining() : (int) headerLength;
        ObjectNode root = parseJson(body, jsonLength);
        String model = spec.name();
        String id = "";
        JsonNode idNode = root.get("id");
        if (idNode != null) {
            if (!idNode.isTextual()) {
                throw RequestError.invalid("Unable to parse 'id'");
            }
            id = idNode.textValue();
        }
        RequestParameters params = RequestParameters.of(root.get("parameters"));

        JsonNode inputsNode = root.get("inputs");
        if (inputsNode == null || !inputsNode.isArray()) {
            throw RequestError.invalid("Unable to parse 'inputs'");
        }
        ByteBuffer binary = body.duplicate();
        binary.position(binary.position() + jsonLength);
        List<InferInput> inputs = new ArrayList<>(inputsNode.size());
        Set<String> seen = new HashSet<>();
        for (JsonNode in : inputsNode) {
            InferInput input = readInput(in, spec, binary, headerLength, maxBytes);
            if (!seen.add(input.name())) {
                throw RequestError.invalid("input '" + input.name() + "' already exists in request");
            }
            inputs.add(input);
        }
        if (binary.hasRemaining()) {
            throw RequestError.invalid("unexpected additional input data for model '" + model + "'");
        }
        Map<String, Boolean> requested = readOutputs(root.get("outputs"), spec, params.binaryDataOutput());
        RequestValidator.validate(spec, inputs);
        InferRequest request = new InferRequest(id, params.correlationId(), params.flags(), params.timeoutMicros(),
                params.json(), inputs, List.copyOf(requested.keySet()));
        return new Parsed(request, new OutputSelection(params.binaryDataOutput(), requested));
    }

    private static ObjectNode parseJson(ByteBuffer body, int length) {
        JsonParser p;
        try {
            if (body.hasArray()) {
                p = Json.FACTORY.createParser(body.array(), body.arrayOffset() + body.position(), length);
            } else {
                byte[] header = new byte[length];
                body.duplicate().get(header);
                p = Json.FACTORY.createParser(header);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (p) {
            JsonNode root;
            try {
                root = Json.MAPPER.readTree(p);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw RequestError.invalid("failed to parse the request JSON buffer: " + e.getOriginalMessage());
            }
            if (root == null || !root.isObject()) {
                throw RequestError.invalid("failed to parse the request JSON buffer: the body is not a JSON object");
            }
            boolean trailing;
            try {
                trailing = p.nextToken() != null;
            } catch (IOException e) {
                trailing = true;
            }
            if (trailing) {
                throw RequestError.invalid("failed to parse the request JSON buffer: unexpected data after the JSON "
                        + "object (binary tensor data needs the Inference-Header-Content-Length header)");
            }
            return (ObjectNode) root;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static InferInput readInput(JsonNode in, ModelSpec spec, ByteBuffer binary, long headerLength,
                                        long maxBytes) {
        if (!in.isObject()) {
            throw RequestError.invalid("Unable to parse 'inputs'");
        }
        JsonNode nameNode = in.get("name");
        if (nameNode == null || !nameNode.isTextual()) {
            throw RequestError.invalid("Unable to parse 'name'");
        }
        String name = nameNode.textValue();
        JsonNode typeNode = in.get("datatype");
        if (typeNode == null || !typeNode.isTextual()) {
            throw RequestError.invalid("Unable to parse 'datatype' of input '" + name + "'");
        }
        long[] shape = readShape(in.get("shape"), name);
        TensorSpec config = spec.input(name).orElseThrow(() -> RequestError.invalid(
                "unexpected inference input '" + name + "' for model '" + spec.name() + "'"));
        String typeName = typeNode.textValue();
        DataType type = DataType.parse(typeName).filter(t -> t.name().equals(typeName)).orElse(null);
        if (type != config.datatype()) {
            throw RequestError.invalid("inference input '" + name + "' data-type is '" + typeName + "', but model '"
                    + spec.name() + "' expects '" + config.datatype() + "'");
        }
        JsonNode params = in.get("parameters");
        if (params != null && !params.isObject()) {
            throw RequestError.invalid("Unable to parse 'parameters' of input '" + name + "'");
        }
        JsonNode sizeNode = params == null ? null : params.get("binary_data_size");
        JsonNode shmNode = params == null ? null : params.get("shared_memory_region");
        JsonNode data = in.get("data");
        List<String> set = new ArrayList<>();
        if (data != null) {
            set.add("'data'");
        }
        if (sizeNode != null) {
            set.add("'binary_data_size'");
        }
        if (shmNode != null) {
            set.add("'shared_memory_region'");
        }
        if (set.size() != 1) {
            throw RequestError.invalid("Input must set only one of the following fields: 'data', 'binary_data_size' "
                    + "in 'parameters', 'shared_memory_region' in 'parameters'. But "
                    + (set.isEmpty() ? "no field is set" : "set " + String.join(" ", set)) + " (input '" + name + "')");
        }
        if (shmNode != null) {
            throw RequestError.invalid("Unable to find system shared memory region: '" + shmNode.asText()
                    + "' (tpb run does not implement the shared-memory extension; send the data in the body)");
        }
        ByteBuffer bytes;
        if (sizeNode != null) {
            if (!sizeNode.isIntegralNumber() || sizeNode.longValue() < 0) {
                throw RequestError.invalid("Unable to parse 'binary_data_size' of input '" + name + "'");
            }
            long size = sizeNode.longValue();
            if (size > 0 && headerLength < 0) {
                throw RequestError.invalid("must specify valid 'Infer-Header-Content-Length' in request header and "
                        + "'binary_data_size' when passing inputs in binary data format");
            }
            if (size > binary.remaining()) {
                throw RequestError.invalid("unexpected size for input '" + name + "', expecting "
                        + (size - binary.remaining()) + " additional bytes for model '" + spec.name() + "'");
            }
            bytes = binary.slice(binary.position(), (int) size);
            binary.position(binary.position() + (int) size);
        } else {
            long elements = TensorJson.elementCount(shape);
            bytes = elements == 0 ? ByteBuffer.allocate(0) : TensorJson.read(name, data, type, elements, maxBytes);
        }
        return new InferInput(name, type, shape, bytes.order(ByteOrder.LITTLE_ENDIAN));
    }

    private static long[] readShape(JsonNode node, String name) {
        if (node == null || !node.isArray()) {
            throw RequestError.invalid("Unable to parse 'shape' of input '" + name + "'");
        }
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = node.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw RequestError.invalid("Unable to parse 'shape' of input '" + name + "': " + node);
            }
            shape[i] = d.longValue();
        }
        return shape;
    }

    private static Map<String, Boolean> readOutputs(JsonNode outputs, ModelSpec spec, boolean defaultBinary) {
        Map<String, Boolean> requested = new LinkedHashMap<>();
        if (outputs == null) {
            return requested;
        }
        if (!outputs.isArray()) {
            throw RequestError.invalid("Unable to parse 'outputs'");
        }
        for (JsonNode out : outputs) {
            JsonNode nameNode = out.get("name");
            if (nameNode == null || !nameNode.isTextual()) {
                throw RequestError.invalid("Unable to parse 'name' of a requested output");
            }
            String name = nameNode.textValue();
            if (spec.output(name).isEmpty()) {
                throw RequestError.invalid("unexpected inference output '" + name + "' for model '" + spec.name() + "'");
            }
            boolean binary = defaultBinary;
            JsonNode params = out.get("parameters");
            if (params != null && params.isObject()) {
                JsonNode b = params.get("binary_data");
                if (b != null) {
                    if (!b.isBoolean()) {
                        throw RequestError.invalid("Unable to parse 'binary_data' of output '" + name + "'");
                    }
                    binary = b.booleanValue();
                }
                JsonNode c = params.get("classification");
                if (c != null && c.asLong(0) != 0) {
                    throw RequestError.unsupported("classification of output '" + name + "' is not supported by "
                            + "tpb run");
                }
                if (params.has("shared_memory_region")) {
                    throw RequestError.invalid("Unable to find system shared memory region: '"
                            + params.get("shared_memory_region").asText() + "' (tpb run does not implement the "
                            + "shared-memory extension)");
                }
            }
            requested.put(name, binary);
        }
        return requested;
    }

    /** Raw binary request (Inference-Header-Content-Length: 0): the whole body is the model's only input. */
    private static Parsed readRaw(ByteBuffer body, ModelSpec spec) {
        if (spec.inputs().size() != 1) {
            throw RequestError.invalid("Raw request must only have 1 input (found 1) to be deduced but got "
                    + spec.inputs().size() + " inputs in '" + spec.name() + "' model configuration");
        }
        TensorSpec config = spec.inputs().get(0);
        List<Long> shape = new ArrayList<>();
        if (spec.batches()) {
            shape.add(1L);
        }
        int dynamicAxis = -1;
        long elements = 1;
        for (long d : config.dims()) {
            if (d == -1) {
                if (dynamicAxis != -1) {
                    throw RequestError.invalid("The shape of the raw input '" + config.name() + "' can not be deduced "
                            + "because there are more than one variable-sized dimension");
                }
                dynamicAxis = shape.size();
            } else {
                elements *= d;
            }
            shape.add(d);
        }
        ByteBuffer data = body.duplicate();
        if (config.datatype() == DataType.BYTES) {
            if (dynamicAxis != -1 || elements != 1) {
                throw RequestError.invalid("For BYTE datatype raw input '" + config.name() + "', the model must have "
                        + "input shape [1]");
            }
            ByteBuffer framed = ByteBuffer.allocate(4 + data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            framed.putInt(data.remaining()).put(data);
            data = framed.flip();
        } else if (dynamicAxis != -1) {
            long unit = elements * config.datatype().size();
            shape.set(dynamicAxis, unit == 0 ? 0 : data.remaining() / unit);
        }
        long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
        List<InferInput> inputs = List.of(new InferInput(config.name(), config.datatype(), dims,
                data.order(ByteOrder.LITTLE_ENDIAN)));
        RequestValidator.validate(spec, inputs);
        return new Parsed(new InferRequest("", 0L, 0, 0, "{}", inputs, List.of()),
                new OutputSelection(true, Map.of()));
    }

    /**
     * The request-level "parameters": sequence_id, sequence_start, sequence_end, priority, timeout and
     * binary_data_output are interpreted (as Triton does); the rest is what request.parameters() returns.
     */
    private record RequestParameters(Object correlationId, long flags, long timeoutMicros, boolean binaryDataOutput,
                                     String json) {

        static RequestParameters of(JsonNode node) {
            if (node == null) {
                return new RequestParameters(0L, 0, 0, false, "{}");
            }
            if (!node.isObject()) {
                throw RequestError.invalid("Unable to parse 'parameters'");
            }
            Object correlationId = 0L;
            long flags = 0;
            long timeout = 0;
            boolean binary = false;
            ObjectNode custom = Json.MAPPER.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                JsonNode v = e.getValue();
                switch (key) {
                    case "sequence_id" -> {
                        if (v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0) {
                            correlationId = v.longValue();
                        } else if (v.isTextual()) {
                            correlationId = v.textValue();
                        } else {
                            throw RequestError.invalid("Unable to parse 'sequence_id'");
                        }
                    }
                    case "sequence_start" -> flags |= bool(key, v) ? FLAG_SEQUENCE_START : 0;
                    case "sequence_end" -> flags |= bool(key, v) ? FLAG_SEQUENCE_END : 0;
                    case "priority" -> unsigned(key, v);
                    case "timeout" -> timeout = unsigned(key, v);
                    case "binary_data_output" -> binary = bool(key, v);
                    default -> {
                        if (key.startsWith("triton_")) {
                            throw RequestError.invalid("parameter keys starting with 'triton_' are reserved for Triton "
                                    + "usage and should not be specified.");
                        }
                        if (!v.isTextual() && !v.isNumber() && !v.isBoolean()) {
                            throw RequestError.invalid("parameter '" + key + "' has invalid type. It should be either "
                                    + "'int', 'bool', 'double' or 'string'.");
                        }
                        custom.set(key, v);
                    }
                }
            }
            return new RequestParameters(correlationId, flags, timeout, binary, custom.isEmpty() ? "{}" : custom.toString());
        }

        private static boolean bool(String key, JsonNode v) {
            if (!v.isBoolean()) {
                throw RequestError.invalid("Unable to parse '" + key + "'");
            }
            return v.booleanValue();
        }

        private static long unsigned(String key, JsonNode v) {
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw RequestError.invalid("Unable to parse '" + key + "'");
            }
            return v.longValue();
        }
    }
}
