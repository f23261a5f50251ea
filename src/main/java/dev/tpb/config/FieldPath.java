package dev.tpb.config;

import dev.tpb.UsageException;
import java.util.ArrayList;
import java.util.List;

/**
 * A field named by path: {@code max_batch_size}, {@code dynamic_batching.max_queue_delay_microseconds},
 * {@code instance_group[0].count} (an index into a repeated field), {@code input[INPUT0].dims} (the element whose
 * {@code name} is {@code INPUT0}), {@code parameters[EXECUTION_ENV_PATH]} (a map entry by key; quotes allowed:
 * {@code parameters["a.b"]}).
 */
public record FieldPath(String text, List<Segment> segments) {
    /** One step: a field name and, optionally, an index or a key in brackets. */
    public record Segment(String name, Integer index, String key) {
        public boolean hasSelector() {
            return index != null || key != null;
        }

        @Override
        public String toString() {
            return name + (index != null ? "[" + index + "]" : key != null ? "[" + key + "]" : "");
        }
    }

    public static FieldPath parse(String text) {
        List<Segment> segments = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (true) {
            int start = i;
            while (i < n && (Lexer.isLetter(text.charAt(i)) || Lexer.isDigit(text.charAt(i)))) {
                i++;
            }
            if (i == start || Lexer.isDigit(text.charAt(start))) {
                throw bad(text, "expected a field name at position " + (start + 1));
            }
            String name = text.substring(start, i);
            Integer index = null;
            String key = null;
            if (i < n && text.charAt(i) == '[') {
                i++;
                if (i < n && (text.charAt(i) == '"' || text.charAt(i) == '\'')) {
                    char quote = text.charAt(i++);
                    int end = text.indexOf(quote, i);
                    if (end < 0) {
                        throw bad(text, "unterminated quote");
                    }
                    key = text.substring(i, end);
                    i = end + 1;
                } else {
                    int end = text.indexOf(']', i);
                    if (end < 0) {
                        throw bad(text, "missing ']'");
                    }
                    String selector = text.substring(i, end);
                    if (!selector.isEmpty() && selector.chars().allMatch(Character::isDigit)) {
                        try {
                            index = Integer.parseInt(selector);
                        } catch (NumberFormatException e) {
                            throw bad(text, "index " + selector + " is too large");
                        }
                    } else {
                        key = selector;
                    }
                    i = end;
                }
                if (i >= n || text.charAt(i) != ']') {
                    throw bad(text, "missing ']'");
                }
                i++;
            }
            segments.add(new Segment(name, index, key));
            if (i == n) {
                break;
            }
            if (text.charAt(i) != '.') {
                throw bad(text, "unexpected '" + text.charAt(i) + "' at position " + (i + 1));
            }
            i++;
        }
        return new FieldPath(text, List.copyOf(segments));
    }

    private static UsageException bad(String text, String why) {
        return new UsageException("invalid field path '" + text + "': " + why
                + " (examples: max_batch_size, instance_group[0].count, parameters[EXECUTION_ENV_PATH])");
    }

    @Override
    public String toString() {
        return text;
    }
}
