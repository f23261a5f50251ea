package dev.tpb.config;

import java.util.Arrays;

/**
 * The text of a config file with a line index, so that any offset can be named as {@code line:column}
 * (both 1-based; a column counts characters, a tab is one column) and its line shown under an error.
 */
public final class SourceText {
    private final String displayName;
    private final String text;
    private final int[] lineStarts;

    public SourceText(String displayName, String text) {
        this.displayName = displayName;
        this.text = text;
        int[] starts = new int[16];
        int count = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                if (count == starts.length) {
                    starts = Arrays.copyOf(starts, count * 2);
                }
                starts[count++] = i + 1;
            }
        }
        this.lineStarts = Arrays.copyOf(starts, count);
    }

    public String displayName() {
        return displayName;
    }

    public String text() {
        return text;
    }

    /** 1-based line of an offset (an offset at the end of the text is on the last line). */
    public int line(int offset) {
        int index = Arrays.binarySearch(lineStarts, offset);
        return index >= 0 ? index + 1 : -index - 1;
    }

    /** 1-based column of an offset, counted in code points. */
    public int column(int offset) {
        int start = lineStarts[line(offset) - 1];
        return text.codePointCount(start, Math.min(offset, text.length())) + 1;
    }

    /** The text of a 1-based line without its line terminator. */
    public String lineText(int line) {
        int start = lineStarts[line - 1];
        int end = line < lineStarts.length ? lineStarts[line] - 1 : text.length();
        if (end > start && text.charAt(end - 1) == '\r') {
            end--;
        }
        return text.substring(start, Math.max(start, end));
    }

    public int lineCount() {
        return lineStarts.length;
    }

    /** Offset of the first character of a 1-based line. */
    public int lineStart(int line) {
        return lineStarts[line - 1];
    }

    /** {@code name:line:col} for an offset. */
    public String position(int offset) {
        return displayName + ":" + line(offset) + ":" + column(offset);
    }

    /** The offset of a 1-based line and column (columns in code points, as {@link #column} counts them). */
    public int offset(int line, int column) {
        int start = lineStarts[Math.max(0, Math.min(line, lineStarts.length) - 1)];
        int offset = start;
        for (int c = 1; c < column && offset < text.length() && text.charAt(offset) != '\n'; c++) {
            offset += Character.charCount(text.codePointAt(offset));
        }
        return offset;
    }

    /**
     * The offending line and a caret under the column, the way compilers show it. Tabs before the caret are
     * kept so the caret lines up in a terminal.
     */
    public String excerpt(int offset) {
        int line = line(offset);
        String lineText = lineText(line);
        int columnChars = Math.min(offset - lineStarts[line - 1], lineText.length());
        StringBuilder caret = new StringBuilder();
        for (int i = 0; i < columnChars; i++) {
            char c = lineText.charAt(i);
            if (Character.isLowSurrogate(c)) {
                continue;
            }
            caret.append(c == '\t' ? '\t' : ' ');
        }
        caret.append('^');
        return lineText + "\n" + caret;
    }
}
