package dev.tpb.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes tpb's schema ({@link ModelConfigSchema}) as a .proto file, so that protobuf's own parser ({@code protoc
 * --encode}) can judge the same files tpb judges. Nested messages and enums become top-level ones (text format
 * does not care where a type is declared); the root keeps its name {@code inference.ModelConfig}.
 */
final class ProtoSchemaWriter {
    private final Map<String, MessageType> messages = new LinkedHashMap<>();
    private final Map<String, EnumType> enums = new LinkedHashMap<>();

    static String write() {
        ProtoSchemaWriter writer = new ProtoSchemaWriter();
        writer.collect(ModelConfigSchema.MODEL_CONFIG);
        return writer.render();
    }

    private void collect(MessageType type) {
        if (type.isMapEntry() || messages.containsKey(type.fullName())) {
            return;
        }
        messages.put(type.fullName(), type);
        for (FieldDef field : type.fields()) {
            if (field.enumType() != null) {
                enums.put(field.enumType().fullName(), field.enumType());
            }
            if (field.messageType() != null) {
                if (field.isMap()) {
                    FieldDef value = field.messageType().field("value");
                    if (value.messageType() != null) {
                        collect(value.messageType());
                    }
                } else {
                    collect(field.messageType());
                }
            }
        }
    }

    private String render() {
        StringBuilder out = new StringBuilder("syntax = \"proto3\";\npackage inference;\n\n");
        for (EnumType e : enums.values()) {
            out.append("enum ").append(name(e.fullName())).append(" {\n");
            e.values().forEach((n, v) -> out.append("  ").append(n).append(" = ").append(v).append(";\n"));
            out.append("}\n");
        }
        for (MessageType m : messages.values()) {
            out.append("message ").append(name(m.fullName())).append(" {\n");
            Set<String> oneofs = new LinkedHashSet<>();
            List<FieldDef> plain = new ArrayList<>();
            for (FieldDef f : m.fields()) {
                if (f.oneof() != null) {
                    oneofs.add(f.oneof());
                } else {
                    plain.add(f);
                }
            }
            for (FieldDef f : plain) {
                out.append("  ").append(declaration(f)).append('\n');
            }
            for (String oneof : oneofs) {
                out.append("  oneof ").append(oneof).append(" {\n");
                for (FieldDef f : m.fields()) {
                    if (oneof.equals(f.oneof())) {
                        out.append("    ").append(declaration(f)).append('\n');
                    }
                }
                out.append("  }\n");
            }
            out.append("}\n");
        }
        return out.toString();
    }

    private String declaration(FieldDef f) {
        if (f.isMap()) {
            FieldDef key = f.messageType().field("key");
            FieldDef value = f.messageType().field("value");
            return "map<" + key.type().protoName() + ", " + typeName(value) + "> " + f.name() + " = " + f.number()
                    + ";";
        }
        return (f.repeated() ? "repeated " : "") + typeName(f) + " " + f.name() + " = " + f.number() + ";";
    }

    private String typeName(FieldDef f) {
        return switch (f.type()) {
            case MESSAGE -> name(f.messageType().fullName());
            case ENUM -> name(f.enumType().fullName());
            default -> f.type().protoName();
        };
    }

    private static String name(String fullName) {
        return fullName.substring("inference.".length()).replace('.', '_');
    }
}
