package dev.tpb.server;

import java.util.Map;

/**
 * Which outputs a response carries and how: {@code requested} maps each requested output to "binary?" (empty:
 * all outputs, each in {@code defaultBinary} form).
 */
record OutputSelection(boolean defaultBinary, Map<String, Boolean> requested) {

    boolean includes(String output) {
        return requested.isEmpty() || requested.containsKey(output);
    }

    boolean binary(String output) {
        Boolean explicit = requested.get(output);
        return explicit == null ? defaultBinary : explicit;
    }
}
