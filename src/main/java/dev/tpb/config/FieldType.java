package dev.tpb.config;

/** The proto types config fields use. */
public enum FieldType {
    STRING, BOOL, INT32, INT64, UINT32, UINT64, FLOAT, DOUBLE, ENUM, MESSAGE;

    public boolean isInteger() {
        return this == INT32 || this == INT64 || this == UINT32 || this == UINT64;
    }

    public boolean isSigned() {
        return this == INT32 || this == INT64;
    }

    public boolean is64Bit() {
        return this == INT64 || this == UINT64;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT || this == DOUBLE;
    }

    /** The proto spelling, for messages ("int32", "string", ...). */
    public String protoName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
