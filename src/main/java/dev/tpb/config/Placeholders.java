package dev.tpb.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${name}} placeholders that template fillers (tensorrtllm_backend's fill_template.py, which uses Python's
 * {@code string.Template.safe_substitute}) leave untouched when no value was given.
 */
final class Placeholders {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*}");

    private Placeholders() {
    }

    /** The placeholder starting at {@code offset} ({@code ${name}}), or null. */
    static String bareAt(String text, int offset) {
        Matcher m = PLACEHOLDER.matcher(text);
        m.region(offset, Math.min(text.length(), offset + 200));
        return m.lookingAt() ? m.group() : null;
    }

    /** Every placeholder in a string value, in order. */
    static List<String> in(String value) {
        List<String> found = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(value);
        while (m.find()) {
            // "$${x}" is an escaped "$" followed by literal text for string.Template, not a placeholder.
            if (m.start() > 0 && value.charAt(m.start() - 1) == '$') {
                continue;
            }
            found.add(m.group());
        }
        return found;
    }
}
