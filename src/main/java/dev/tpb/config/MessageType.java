package dev.tpb.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A message of model_config.proto: its fields in declaration order (the order Triton's JSON uses). */
public final class MessageType {
    private final String fullName;
    private final boolean mapEntry;
    private final List<FieldDef> fields;
    private final Map<String, FieldDef> byName;

    MessageType(String fullName, boolean mapEntry, FieldDef... fields) {
        this.fullName = fullName;
        this.mapEntry = mapEntry;
        this.fields = List.of(fields);
        Map<String, FieldDef> map = new LinkedHashMap<>();
        for (FieldDef field : fields) {
            map.put(field.name(), field);
        }
        this.byName = Collections.unmodifiableMap(map);
    }

    /** {@code inference.ModelInput}, {@code inference.ModelConfig.ParametersEntry}. */
    public String fullName() {
        return fullName;
    }

    public String simpleName() {
        return fullName.substring(fullName.lastIndexOf('.') + 1);
    }

    /** A synthesized {@code XEntry {key = 1; value = 2}} message of a map field. */
    public boolean isMapEntry() {
        return mapEntry;
    }

    public List<FieldDef> fields() {
        return fields;
    }

    public FieldDef field(String name) {
        return byName.get(name);
    }

    public List<String> fieldNames() {
        return new ArrayList<>(byName.keySet());
    }

    /** Position of a field in declaration order, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
