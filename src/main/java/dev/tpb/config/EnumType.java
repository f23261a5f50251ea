package dev.tpb.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** An enum of model_config.proto: value names and numbers in declaration order. */
public final class EnumType {
    private final String fullName;
    private final Map<String, Integer> values;

    EnumType(String fullName, String... names) {
        this.fullName = fullName;
        Map<String, Integer> map = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            map.put(names[i], i);
        }
        this.values = Collections.unmodifiableMap(map);
    }

    public String fullName() {
        return fullName;
    }

    /** Names to numbers, in declaration order. */
    public Map<String, Integer> values() {
        return values;
    }

    public boolean hasName(String name) {
        return values.containsKey(name);
    }

    /** The name for a number, or null when no value has it. */
    public String nameOf(long number) {
        for (Map.Entry<String, Integer> e : values.entrySet()) {
            if (e.getValue() == number) {
                return e.getKey();
            }
        }
        return null;
    }
}
