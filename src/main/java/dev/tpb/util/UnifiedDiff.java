package dev.tpb.util;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff ({@code diff -u} format, 3 lines of context) between two texts, for showing an edit before it is
 * made. Lines keep their carriage returns; a last line without a line break gets "\ No newline at end of file".
 */
public final class UnifiedDiff {
    private static final int CONTEXT = 3;
    /** Above this many changed lines in the middle, show a plain replacement instead of the exact LCS. */
    private static final long MAX_TABLE = 4_000_000;

    private UnifiedDiff() {
    }

    private record Line(char op, String text, boolean newline) {
    }

    /** The diff, or an empty string when the texts are equal. */
    public static String diff(String before, String after, String oldLabel, String newLabel) {
        if (before.equals(after)) {
            return "";
        }
        List<String> a = lines(before);
        List<String> b = lines(after);
        List<Line> ops = compare(a, b);
        StringBuilder out = new StringBuilder();
        out.append("--- ").append(oldLabel).append('\n').append("+++ ").append(newLabel).append('\n');
        int i = 0;
        while (i < ops.size()) {
            if (ops.get(i).op() == ' ') {
                i++;
                continue;
            }
            int start = Math.max(0, i - CONTEXT);
            int end = i;
            // Extend the hunk while the next change is within twice the context.
            while (true) {
                while (end < ops.size() && ops.get(end).op() != ' ') {
                    end++;
                }
                int next = end;
                while (next < ops.size() && ops.get(next).op() == ' ') {
                    next++;
                }
                if (next < ops.size() && next - end <= 2 * CONTEXT) {
                    end = next;
                } else {
                    end = Math.min(ops.size(), end + CONTEXT);
                    break;
                }
            }
            hunk(out, ops, start, end);
            i = end;
        }
        return out.toString();
    }

    private static void hunk(StringBuilder out, List<Line> ops, int start, int end) {
        int oldStart = 1;
        int newStart = 1;
        for (int k = 0; k < start; k++) {
            if (ops.get(k).op() != '+') {
                oldStart++;
            }
            if (ops.get(k).op() != '-') {
                newStart++;
            }
        }
        int oldCount = 0;
        int newCount = 0;
        for (int k = start; k < end; k++) {
            if (ops.get(k).op() != '+') {
                oldCount++;
            }
            if (ops.get(k).op() != '-') {
                newCount++;
            }
        }
        out.append("@@ -").append(range(oldStart, oldCount)).append(" +").append(range(newStart, newCount))
                .append(" @@\n");
        for (int k = start; k < end; k++) {
            Line line = ops.get(k);
            out.append(line.op()).append(line.text()).append('\n');
            if (!line.newline()) {
                out.append("\\ No newline at end of file\n");
            }
        }
    }

    private static String range(int start, int count) {
        if (count == 0) {
            return (start - 1) + ",0";
        }
        return count == 1 ? String.valueOf(start) : start + "," + count;
    }

    /** Lines with their terminator ('\n' kept so that a missing last line break is a difference). */
    private static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            lines.add(text.substring(start, end));
            start = end;
        }
        return lines;
    }

    private static List<Line> compare(List<String> a, List<String> b) {
        int prefix = 0;
        while (prefix < a.size() && prefix < b.size() && a.get(prefix).equals(b.get(prefix))) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < a.size() - prefix && suffix < b.size() - prefix
                && a.get(a.size() - 1 - suffix).equals(b.get(b.size() - 1 - suffix))) {
            suffix++;
        }
        List<Line> ops = new ArrayList<>();
        for (int k = 0; k < prefix; k++) {
            ops.add(line(' ', a.get(k)));
        }
        List<String> midA = a.subList(prefix, a.size() - suffix);
        List<String> midB = b.subList(prefix, b.size() - suffix);
        if ((long) midA.size() * midB.size() > MAX_TABLE) {
            midA.forEach(s -> ops.add(line('-', s)));
            midB.forEach(s -> ops.add(line('+', s)));
        } else {
            lcs(midA, midB, ops);
        }
        for (int k = a.size() - suffix; k < a.size(); k++) {
            ops.add(line(' ', a.get(k)));
        }
        return ops;
    }

    private static void lcs(List<String> a, List<String> b, List<Line> ops) {
        int n = a.size();
        int m = b.size();
        int[][] table = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                table[i][j] = a.get(i).equals(b.get(j)) ? table[i + 1][j + 1] + 1
                        : Math.max(table[i + 1][j], table[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a.get(i).equals(b.get(j))) {
                ops.add(line(' ', a.get(i++)));
                j++;
            } else if (i < n && (j == m || table[i + 1][j] >= table[i][j + 1])) {
                ops.add(line('-', a.get(i++)));
            } else {
                ops.add(line('+', b.get(j++)));
            }
        }
    }

    private static Line line(char op, String withTerminator) {
        boolean newline = withTerminator.endsWith("\n");
        return new Line(op, newline ? withTerminator.substring(0, withTerminator.length() - 1) : withTerminator,
                newline);
    }
}
