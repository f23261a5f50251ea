package dev.tpb.runtime;

import java.util.Optional;

/** Tensor element types, by their KServe names; the config name is {@code TYPE_<name>} (BYTES: TYPE_STRING). */
public enum DataType {
    BOOL(1), UINT8(1), UINT16(2), UINT32(4), UINT64(8), INT8(1), INT16(2), INT32(4), INT64(8),
    FP16(2), FP32(4), FP64(8), BYTES(0), BF16(2);

    private final int size;

    DataType(int size) {
        this.size = size;
    }

    /** Bytes per element; 0 for BYTES, whose elements are a u32 length followed by the bytes. */
    public int size() {
        return size;
    }

    public String configName() {
        return this == BYTES ? "TYPE_STRING" : "TYPE_" + name();
    }

    /** "FP32" (also accepts "TYPE_FP32" and "TYPE_STRING"). */
    public static Optional<DataType> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String n = name.startsWith("TYPE_") ? name.substring(5) : name;
        if (n.equals("STRING")) {
            return Optional.of(BYTES);
        }
        try {
            return Optional.of(valueOf(n));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
