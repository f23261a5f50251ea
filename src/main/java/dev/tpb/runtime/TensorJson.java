package dev.tpb.runtime;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Tensor data in JSON (the "data" field of the KServe protocol, and tpb infer's --input values): read into the
 * raw little-endian layout the runtime takes, and written back flat and row-major. FP16 and BF16 are binary-only,
 * as in Triton. Errors are {@link InvalidRequestException}s with Triton's wording.
 */
public final class TensorJson {
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private TensorJson() {
    }

    /** Number of elements of a shape; Long.MAX_VALUE when the product overflows. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d != 0 && n > Long.MAX_VALUE / d) {
                return Long.MAX_VALUE;
            }
            n *= d;
        }
        return n;
    }

    /**
     * Reads the JSON {@code data} of input {@code name} (nested or flat) as {@code elements} values of
     * {@code type}. BYTES elements are strings; their count is checked later against the shape.
     */
    public static ByteBuffer read(String name, JsonNode data, DataType type, long elements, long maxBytes) {
        if (type == DataType.FP16 || type == DataType.BF16) {
            throw new InvalidRequestException("receiving " + type + " data via JSON is not supported. Please use the binary "
                    + "data format for input " + name);
        }
        if (data == null || !data.isArray()) {
            throw new InvalidRequestException("Unable to parse 'data': expected an array for input '" + name + "'");
        }
        if (type == DataType.BYTES) {
            long size = bytesSize(name, data);
            checkSize(name, size, maxBytes);
            ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            writeStrings(data, out);
            return out.flip();
        }
        long size = elements == Long.MAX_VALUE ? Long.MAX_VALUE : elements * type.size();
        if (elements > Long.MAX_VALUE / type.size()) {
            size = Long.MAX_VALUE;
        }
        checkSize(name, size, maxBytes);
        ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        readValues(name, data, type, out);
        if (out.hasRemaining()) {
            throw shapeMismatch();
        }
        return out.flip();
    }

    private static void checkSize(String name, long size, long maxBytes) {
        if (size > maxBytes || size > Integer.MAX_VALUE - 16) {
            throw new InvalidRequestException("JSON input '" + name + "' has a byte_size (" + size + " bytes) that exceeds "
                    + "the maximum allowed value of " + maxBytes + " bytes. Use --max-request-bytes to increase the "
                    + "limit.");
        }
    }

    private static InvalidRequestException shapeMismatch() {
        return new InvalidRequestException("Unable to parse 'data': Shape does not match true shape of 'data' field");
    }

    private static long bytesSize(String name, JsonNode data) {
        long n = 0;
        for (JsonNode e : data) {
            if (e.isArray()) {
                n += bytesSize(name, e);
            } else if (e.isTextual()) {
                n += 4 + utf8Length(e.textValue());
            } else {
                throw new InvalidRequestException("Unable to parse 'data': expected a string for BYTES input '" + name
                        + "', got " + e);
            }
        }
        return n;
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static void writeStrings(JsonNode data, ByteBuffer out) {
        for (JsonNode e : data) {
            if (e.isArray()) {
                writeStrings(e, out);
            } else {
                byte[] b = e.textValue().getBytes(StandardCharsets.UTF_8);
                out.putInt(b.length).put(b);
            }
        }
    }

    private static void readValues(String name, JsonNode data, DataType type, ByteBuffer out) {
        for (JsonNode e : data) {
            if (e.isArray()) {
                readValues(name, e, type, out);
                continue;
            }
            if (!out.hasRemaining()) {
                throw shapeMismatch();
            }
            switch (type) {
                case BOOL -> {
                    if (!e.isBoolean()) {
                        throw badValue(name, type, e);
                    }
                    out.put((byte) (e.booleanValue() ? 1 : 0));
                }
                case INT8 -> out.put((byte) integer(name, type, e, Byte.MIN_VALUE, Byte.MAX_VALUE));
                case INT16 -> out.putShort((short) integer(name, type, e, Short.MIN_VALUE, Short.MAX_VALUE));
                case INT32 -> out.putInt((int) integer(name, type, e, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case INT64 -> out.putLong(integer(name, type, e, Long.MIN_VALUE, Long.MAX_VALUE));
                case UINT8 -> out.put((byte) integer(name, type, e, 0, 0xFF));
                case UINT16 -> out.putShort((short) integer(name, type, e, 0, 0xFFFF));
                case UINT32 -> out.putInt((int) integer(name, type, e, 0, 0xFFFF_FFFFL));
                case UINT64 -> out.putLong(uint64(name, e));
                case FP32 -> out.putFloat((float) number(name, type, e));
                case FP64 -> out.putDouble(number(name, type, e));
                default -> throw new IllegalStateException(type.name());
            }
        }
    }

    private static InvalidRequestException badValue(String name, DataType type, JsonNode e) {
        return new InvalidRequestException("Unable to parse 'data': expected " + type + " values for input '" + name
                + "', got " + e);
    }

    private static long integer(String name, DataType type, JsonNode e, long min, long max) {
        if (!e.isIntegralNumber() || !e.canConvertToLong()) {
            throw badValue(name, type, e);
        }
        long v = e.longValue();
        if (v < min || v > max) {
            throw new InvalidRequestException("Unable to parse 'data': value " + v + " is out of range for " + type
                    + " input '" + name + "'");
        }
        return v;
    }

    private static long uint64(String name, JsonNode e) {
        if (!e.isIntegralNumber()) {
            throw badValue(name, DataType.UINT64, e);
        }
        BigInteger v = e.bigIntegerValue();
        if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
            throw new InvalidRequestException("Unable to parse 'data': value " + v + " is out of range for UINT64 input '"
                    + name + "'");
        }
        return v.longValue();
    }

    private static double number(String name, DataType type, JsonNode e) {
        if (!e.isNumber()) {
            throw badValue(name, type, e);
        }
        return e.doubleValue();
    }

    /** Writes {@code data} (little-endian, {@code elements} values) as a flat JSON array. */
    public static void write(JsonGenerator g, String name, DataType type, ByteBuffer data, long elements)
            throws IOException {
        if (type == DataType.FP16 || type == DataType.BF16) {
            throw new InvalidRequestException("sending " + type + " data via JSON is not supported. Please use the binary "
                    + "data format for output");
        }
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (type != DataType.BYTES && b.remaining() != elements * type.size()) {
            throw outputMismatch(name);
        }
        g.writeStartArray();
        int n = (int) elements;
        switch (type) {
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    g.writeBoolean(b.get() != 0);
                }
            }
            case INT8 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.get());
                }
            }
            case INT16 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getShort());
                }
            }
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getInt());
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getLong());
                }
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.get() & 0xFF);
                }
            }
            case UINT16 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getShort() & 0xFFFF);
                }
            }
            case UINT32 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getInt() & 0xFFFF_FFFFL);
                }
            }
            case UINT64 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(Long.toUnsignedString(b.getLong()));
                }
            }
            case FP32 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getFloat());
                }
            }
            case FP64 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getDouble());
                }
            }
            case BYTES -> {
                for (int i = 0; i < n; i++) {
                    if (b.remaining() < 4) {
                        throw outputMismatch(name);
                    }
                    int len = b.getInt();
                    if (len < 0 || len > b.remaining()) {
                        throw outputMismatch(name);
                    }
                    byte[] bytes = new byte[len];
                    b.get(bytes);
                    // Written raw, as Triton does: non-UTF-8 bytes stay as they are.
                    g.writeUTF8String(bytes, 0, len);
                }
            }
            default -> throw new IllegalStateException(type.name());
        }
        g.writeEndArray();
    }

    private static InvalidRequestException outputMismatch(String name) {
        return new InvalidRequestException(ErrorCode.INTERNAL.httpStatus(), "output tensor shape does not match size of output for '" + name + "'");
    }

    /** The shape a nested JSON array implies ([[1,2],[3,4]] is [2, 2]; a scalar is []). */
    public static long[] shapeOf(JsonNode value) {
        java.util.List<Long> dims = new java.util.ArrayList<>();
        for (JsonNode n = value; n.isArray(); n = n.get(0)) {
            dims.add((long) n.size());
            if (n.isEmpty()) {
                break;
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /** A tensor's values as a flat JSON array (via {@link #write}). */
    public static JsonNode toJson(String name, DataType type, ByteBuffer data, long[] shape) {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            write(g, name, type, data, elementCount(shape));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            return mapper.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Nests a flat array by {@code shape} (for people to read). */
    public static JsonNode nest(JsonNode flat, long[] shape) {
        if (shape.length == 0) {
            return flat.isEmpty() ? com.fasterxml.jackson.databind.node.NullNode.instance : flat.get(0);
        }
        return nest(flat, shape, 0, new int[] {0});
    }

    private static JsonNode nest(JsonNode flat, long[] shape, int dim, int[] index) {
        com.fasterxml.jackson.databind.node.ArrayNode a = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        for (long i = 0; i < shape[dim]; i++) {
            if (dim == shape.length - 1) {
                a.add(index[0] < flat.size() ? flat.get(index[0]) : com.fasterxml.jackson.databind.node.NullNode.instance);
                index[0]++;
            } else {
                a.add(nest(flat, shape, dim + 1, index));
            }
        }
        return a;
    }
}
