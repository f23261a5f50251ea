package dev.tpb.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tpb.TpbException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Tensor data as JSON, the KServe way: row-major values, nested or flat; BOOL as true/false, numbers, BYTES as
 * strings. Converts to and from the raw little-endian bytes the runtime moves.
 */
public final class TensorJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private TensorJson() {
    }

    /** The shape a nested JSON array implies ([[1,2],[3,4]] is [2, 2]; a scalar is []). */
    public static long[] shapeOf(JsonNode value) {
        List<Long> dims = new ArrayList<>();
        JsonNode n = value;
        while (n.isArray()) {
            dims.add((long) n.size());
            if (n.isEmpty()) {
                break;
            }
            n = n.get(0);
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /** Row-major leaves of a nested array (or the value itself). */
    public static List<JsonNode> flatten(JsonNode value) {
        List<JsonNode> out = new ArrayList<>();
        flatten(value, out);
        return out;
    }

    private static void flatten(JsonNode n, List<JsonNode> out) {
        if (n.isArray()) {
            n.forEach(c -> flatten(c, out));
        } else {
            out.add(n);
        }
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Encodes values of {@code type}; {@code what} names the tensor in error messages. */
    public static ByteBuffer encode(DataType type, List<JsonNode> values, String what) {
        if (type == DataType.BYTES) {
            List<byte[]> items = new ArrayList<>(values.size());
            int total = 0;
            for (JsonNode v : values) {
                byte[] b = (v.isTextual() ? v.asText() : v.toString()).getBytes(StandardCharsets.UTF_8);
                items.add(b);
                total += 4 + b.length;
            }
            ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            for (byte[] b : items) {
                buf.putInt(b.length).put(b);
            }
            return buf.flip();
        }
        ByteBuffer buf = ByteBuffer.allocate(values.size() * type.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode v : values) {
            put(buf, type, v, what);
        }
        return buf.flip();
    }

    private static void put(ByteBuffer buf, DataType type, JsonNode v, String what) {
        if (type == DataType.BOOL) {
            if (!v.isBoolean()) {
                throw bad(what, type, v);
            }
            buf.put((byte) (v.asBoolean() ? 1 : 0));
            return;
        }
        if (!v.isNumber()) {
            throw bad(what, type, v);
        }
        switch (type) {
            case UINT8, INT8 -> buf.put((byte) integral(v, type, what));
            case UINT16, INT16 -> buf.putShort((short) integral(v, type, what));
            case UINT32, INT32 -> buf.putInt((int) integral(v, type, what));
            case UINT64, INT64 -> buf.putLong(v.isBigInteger() ? v.bigIntegerValue().longValue() : integral(v, type, what));
            case FP16 -> buf.putShort(Half.fromFloat(v.floatValue()));
            case BF16 -> buf.putShort((short) (bf16(v.floatValue())));
            case FP32 -> buf.putFloat(v.floatValue());
            case FP64 -> buf.putDouble(v.doubleValue());
            default -> throw bad(what, type, v);
        }
    }

    private static long integral(JsonNode v, DataType type, String what) {
        if (!v.isIntegralNumber()) {
            throw bad(what, type, v);
        }
        long x = v.asLong();
        long min = switch (type) {
            case INT8 -> Byte.MIN_VALUE;
            case INT16 -> Short.MIN_VALUE;
            case INT32 -> Integer.MIN_VALUE;
            case INT64 -> Long.MIN_VALUE;
            default -> 0;
        };
        long max = switch (type) {
            case INT8 -> Byte.MAX_VALUE;
            case UINT8 -> 0xff;
            case INT16 -> Short.MAX_VALUE;
            case UINT16 -> 0xffff;
            case INT32 -> Integer.MAX_VALUE;
            case UINT32 -> 0xffffffffL;
            default -> Long.MAX_VALUE;
        };
        if (x < min || x > max) {
            throw new TpbException(what + ": value " + v + " is out of range for " + type);
        }
        return x;
    }

    private static int bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return 0x7fc0;
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1); // round to nearest even
        return (bits + rounding) >>> 16;
    }

    private static TpbException bad(String what, DataType type, JsonNode v) {
        String expected = type == DataType.BOOL ? "true or false" : type == DataType.FP32 || type == DataType.FP64
                || type == DataType.FP16 || type == DataType.BF16 ? "a number" : "an integer";
        return new TpbException(what + ": expected " + expected + " for " + type + ", got " + v);
    }

    /** The flat JSON array of a tensor's values (BYTES as UTF-8 strings, invalid UTF-8 replaced). */
    public static ArrayNode decode(DataType type, ByteBuffer data) {
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ArrayNode out = F.arrayNode();
        if (type == DataType.BYTES) {
            while (b.remaining() >= 4) {
                int n = b.getInt();
                byte[] item = new byte[n];
                b.get(item);
                out.add(new String(item, StandardCharsets.UTF_8));
            }
            return out;
        }
        while (b.remaining() >= type.size()) {
            switch (type) {
                case BOOL -> out.add(b.get() != 0);
                case UINT8 -> out.add(Byte.toUnsignedInt(b.get()));
                case INT8 -> out.add(b.get());
                case UINT16 -> out.add(Short.toUnsignedInt(b.getShort()));
                case INT16 -> out.add(b.getShort());
                case UINT32 -> out.add(Integer.toUnsignedLong(b.getInt()));
                case INT32 -> out.add(b.getInt());
                case UINT64 -> out.add(new java.math.BigInteger(Long.toUnsignedString(b.getLong())));
                case INT64 -> out.add(b.getLong());
                case FP16 -> out.add(Half.toFloat(b.getShort()));
                case BF16 -> out.add(Float.intBitsToFloat(Short.toUnsignedInt(b.getShort()) << 16));
                case FP32 -> out.add(b.getFloat());
                case FP64 -> out.add(b.getDouble());
                default -> throw new IllegalStateException(type.name());
            }
        }
        return out;
    }

    /** Nests a flat array by {@code shape} (for printing). */
    public static JsonNode nest(ArrayNode flat, long[] shape) {
        if (shape.length == 0) {
            return flat.isEmpty() ? F.nullNode() : flat.get(0);
        }
        int[] index = {0};
        return nest(flat, shape, 0, index);
    }

    private static JsonNode nest(ArrayNode flat, long[] shape, int dim, int[] index) {
        ArrayNode a = F.arrayNode();
        for (long i = 0; i < shape[dim]; i++) {
            if (dim == shape.length - 1) {
                a.add(index[0] < flat.size() ? flat.get(index[0]) : F.nullNode());
                index[0]++;
            } else {
                a.add(nest(flat, shape, dim + 1, index));
            }
        }
        return a;
    }

    /** IEEE 754 half precision, for FP16 tensors written as JSON numbers. */
    static final class Half {
        private Half() {
        }

        static short fromFloat(float f) {
            int bits = Float.floatToRawIntBits(f);
            int sign = (bits >>> 16) & 0x8000;
            int exp = ((bits >>> 23) & 0xff) - 127 + 15;
            int mant = bits & 0x7fffff;
            if (((bits >>> 23) & 0xff) == 0xff) {
                return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
            }
            if (exp >= 0x1f) {
                return (short) (sign | 0x7c00);
            }
            if (exp <= 0) {
                if (exp < -10) {
                    return (short) sign;
                }
                mant |= 0x800000;
                int shift = 14 - exp;
                int half = mant >> shift;
                if (((mant >> (shift - 1)) & 1) != 0 && ((mant & ((1 << (shift - 1)) - 1)) != 0 || (half & 1) != 0)) {
                    half++;
                }
                return (short) (sign | half);
            }
            int half = sign | (exp << 10) | (mant >> 13);
            if ((mant & 0x1000) != 0 && ((mant & 0xfff) != 0 || (half & 1) != 0)) {
                half++;
            }
            return (short) half;
        }

        static float toFloat(short h) {
            int bits = Short.toUnsignedInt(h);
            int sign = (bits & 0x8000) << 16;
            int exp = (bits >>> 10) & 0x1f;
            int mant = bits & 0x3ff;
            if (exp == 0) {
                return (sign != 0 ? -1 : 1) * mant * 0x1p-24f;
            }
            if (exp == 0x1f) {
                return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
            }
            return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
        }
    }
}
