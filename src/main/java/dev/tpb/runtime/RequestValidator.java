package dev.tpb.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a request's inputs against the model configuration the way Triton's core does before a request is
 * scheduled: required inputs present, batch dimension and max_batch_size, shapes against dims, and the byte
 * size of every tensor. (Names and datatypes are checked while reading each input.)
 */
public final class RequestValidator {
    private RequestValidator() {
    }

    /** Throws {@link InvalidRequestException} with Triton's message for the first problem. */
    public static void validate(ModelSpec spec, List<InferInput> inputs) {
        checkRequiredInputs(spec, inputs);
        checkBatch(spec, inputs);
        for (InferInput input : inputs) {
            TensorSpec config = spec.input(input.name()).orElseThrow(() -> new InvalidRequestException(
                    "unexpected inference input '" + input.name() + "' for model '" + spec.name() + "'"));
            checkShape(spec, config, input);
            checkByteSize(spec, input);
        }
    }

    private static void checkRequiredInputs(ModelSpec spec, List<InferInput> inputs) {
        Set<String> given = new HashSet<>();
        inputs.forEach(i -> given.add(i.name()));
        List<String> missing = new ArrayList<>();
        int required = 0;
        for (TensorSpec t : spec.inputs()) {
            if (!t.optional()) {
                required++;
                if (!given.contains(t.name())) {
                    missing.add("'" + t.name() + "'");
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        List<String> got = inputs.stream().map(i -> "'" + i.name() + "'").toList();
        String counts = required == spec.inputs().size()
                ? "expected " + spec.inputs().size() + " inputs but got "
                : "expected number of inputs between " + required + " and " + spec.inputs().size() + " but got ";
        throw new InvalidRequestException(counts + inputs.size() + " inputs for model '" + spec.name() + "'. Got inputs ["
                + String.join(",", got) + "], but missing required inputs [" + String.join(",", missing)
                + "]. Please provide all required inputs.");
    }

    private static void checkBatch(ModelSpec spec, List<InferInput> inputs) {
        if (!spec.batches()) {
            return;
        }
        long batch = -1;
        for (InferInput input : inputs) {
            if (input.shape().length == 0) {
                throw new InvalidRequestException("input '" + input.name() + "' has no shape but model requires batch "
                        + "dimension for '" + spec.name() + "'");
            }
            if (batch < 0) {
                batch = input.shape()[0];
            } else if (input.shape()[0] != batch) {
                throw new InvalidRequestException("input '" + input.name() + "' batch size does not match other inputs for '"
                        + spec.name() + "'");
            }
        }
        if (batch > spec.maxBatchSize()) {
            throw new InvalidRequestException("inference request batch-size must be <= " + spec.maxBatchSize() + " for '"
                    + spec.name() + "'");
        }
    }

    private static void checkShape(ModelSpec spec, TensorSpec config, InferInput input) {
        long[] shape = input.shape();
        int offset = spec.batches() ? 1 : 0;
        long[] dims = config.dims();
        boolean matches = shape.length - offset == dims.length;
        for (int i = 0; matches && i < dims.length; i++) {
            matches = dims[i] == -1 || dims[i] == shape[i + offset];
        }
        if (matches) {
            return;
        }
        StringBuilder expected = new StringBuilder("[");
        if (spec.batches()) {
            expected.append("-1");
        }
        for (long d : dims) {
            expected.append(expected.length() > 1 ? "," : "").append(d);
        }
        expected.append(']');
        throw new InvalidRequestException("unexpected shape for input '" + input.name() + "' for model '" + spec.name()
                + "'. Expected " + expected + ", got " + dimsString(shape) + ". " + (spec.batches()
                ? "NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be "
                + "prepended to each input shape. If you want to specify the full shape including the batch dim "
                + "in your input dims config, try setting max_batch_size to zero. See the model configuration docs "
                + "for more info on max_batch_size."
                : ""));
    }

    public static String dimsString(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? "," : "").append(shape[i]);
        }
        return sb.append(']').toString();
    }

    private static void checkByteSize(ModelSpec spec, InferInput input) {
        long elements = TensorJson.elementCount(input.shape());
        ByteBuffer data = input.data();
        if (input.datatype() != DataType.BYTES) {
            long expected = elements == Long.MAX_VALUE ? Long.MAX_VALUE : elements * input.datatype().size();
            if (expected != data.remaining()) {
                throw new InvalidRequestException("input byte size mismatch for input '" + input.name() + "' for model '"
                        + spec.name() + "'. Expected " + expected + ", got " + data.remaining());
            }
            return;
        }
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long count = 0;
        while (b.hasRemaining()) {
            if (b.remaining() < 4) {
                throw new InvalidRequestException("element byte size indicator exceeds the end of the buffer (input '"
                        + input.name() + "')");
            }
            long len = b.getInt() & 0xFFFF_FFFFL;
            if (len > b.remaining()) {
                throw new InvalidRequestException("element byte size indicator exceeds the end of the buffer (input '"
                        + input.name() + "': element " + count + " announces " + len + " bytes, " + b.remaining()
                        + " left)");
            }
            b.position(b.position() + (int) len);
            count++;
        }
        if (count != elements) {
            throw new InvalidRequestException("expected " + elements + " string elements for inference input '" + input.name()
                    + "' for model '" + spec.name() + "', got " + count);
        }
    }
}
