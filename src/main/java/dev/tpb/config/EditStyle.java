package dev.tpb.config;

import java.util.HashMap;
import java.util.Map;

/**
 * How a file is written, so new text looks like the rest of it: the indentation step, the quote character, whether
 * a {@code :} goes before {@code {}, and the line break.
 */
record EditStyle(String indentUnit, char quote, boolean colonBeforeMessage, String newline) {

    static EditStyle of(ConfigDocument doc) {
        SourceText source = doc.source();
        String text = source.text();
        Map<String, Integer> units = new HashMap<>();
        int[] quotes = new int[2];
        int[] colons = new int[2];
        walk(doc.root(), source, units, quotes, colons);
        String unit = units.entrySet().stream()
                .max((a, b) -> a.getValue() != b.getValue().intValue() ? Integer.compare(a.getValue(), b.getValue())
                        : Integer.compare(b.getKey().length(), a.getKey().length()))
                .map(Map.Entry::getKey).orElse("  ");
        int crlf = 0;
        int lf = 0;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
            if (i > 0 && text.charAt(i - 1) == '\r') {
                crlf++;
            } else {
                lf++;
            }
        }
        return new EditStyle(unit, quotes[1] > quotes[0] ? '\'' : '"', colons[1] > colons[0], crlf > lf ? "\r\n" : "\n");
    }

    private static void walk(MessageNode message, SourceText source, Map<String, Integer> units, int[] quotes,
                             int[] colons) {
        String parentIndent = message.open() == null ? null : indentAt(source, message.open().offset());
        for (FieldNode field : message.fields()) {
            if (parentIndent != null && startsLine(source, field.start())) {
                String indent = indentAt(source, field.start());
                if (indent.length() > parentIndent.length() && indent.startsWith(parentIndent)) {
                    units.merge(indent.substring(parentIndent.length()), 1, Integer::sum);
                }
            }
            visit(field.value(), source, units, quotes, colons, field);
        }
    }

    private static void visit(ValueNode value, SourceText source, Map<String, Integer> units, int[] quotes,
                              int[] colons, FieldNode field) {
        if (value instanceof MessageNode message) {
            if (field != null) {
                colons[field.colon() != null ? 1 : 0]++;
            }
            walk(message, source, units, quotes, colons);
        } else if (value instanceof ListNode list) {
            for (ValueNode item : list.items()) {
                visit(item, source, units, quotes, colons, null);
            }
        } else if (value instanceof ScalarNode scalar && scalar.kind() == ScalarNode.Kind.STRING) {
            quotes[scalar.text().charAt(0) == '\'' ? 1 : 0]++;
        }
    }

    /** The whitespace at the start of the line that holds {@code offset}. */
    static String indentAt(SourceText source, int offset) {
        String text = source.text();
        int start = source.lineStart(source.line(offset));
        int end = start;
        while (end < text.length() && (text.charAt(end) == ' ' || text.charAt(end) == '\t')) {
            end++;
        }
        return text.substring(start, end);
    }

    /** Only whitespace before {@code offset} on its line. */
    static boolean startsLine(SourceText source, int offset) {
        String text = source.text();
        for (int i = offset - 1; i >= 0 && text.charAt(i) != '\n'; i--) {
            if (text.charAt(i) != ' ' && text.charAt(i) != '\t') {
                return false;
            }
        }
        return true;
    }
}
