package dev.tpb.config;

/**
 * One field of a message in model_config.proto.
 *
 * @param oneof      the oneof the field belongs to, or null
 * @param jsonNumber for 64-bit integers: whether Triton's model-config JSON prints the value as a number (Triton
 *                   rewrites a fixed list of such fields; the others stay strings as protobuf's JSON prints them)
 */
public record FieldDef(String name, int number, FieldType type, boolean repeated, EnumType enumType,
                       MessageType messageType, String oneof, boolean jsonNumber) {

    public boolean isMessage() {
        return type == FieldType.MESSAGE;
    }

    public boolean isMap() {
        return messageType != null && messageType.isMapEntry();
    }

    FieldDef inOneof(String name) {
        return new FieldDef(this.name, number, type, repeated, enumType, messageType, name, jsonNumber);
    }

    FieldDef jsonString() {
        return new FieldDef(name, number, type, repeated, enumType, messageType, oneof, false);
    }

    /** How a user reads the type: {@code repeated int64}, {@code map<string, ModelParameter>}, {@code KIND enum}. */
    public String describeType() {
        if (isMap()) {
            FieldDef key = messageType.field("key");
            FieldDef value = messageType.field("value");
            return "map<" + key.type().protoName() + ", " + value.describeElementType() + ">";
        }
        return (repeated ? "repeated " : "") + describeElementType();
    }

    private String describeElementType() {
        return switch (type) {
            case MESSAGE -> messageType.simpleName();
            case ENUM -> "enum " + enumType.fullName().substring(enumType.fullName().lastIndexOf('.') + 1);
            default -> type.protoName();
        };
    }
}
