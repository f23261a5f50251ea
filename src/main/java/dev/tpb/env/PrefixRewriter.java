package dev.tpb.env;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Finds and replaces old prefixes (and conda placeholders) in file contents. Text files may change length;
 * binary files are rewritten the way conda does it: inside each NUL-terminated string, padded with NULs so the
 * file keeps its length (a longer new prefix must fit into NUL padding that follows the string).
 */
final class PrefixRewriter {
    private final byte[][] patterns;
    private final int[][] skips;
    private final byte[] replacement;

    PrefixRewriter(List<String> oldPrefixes, String destPrefix) {
        this.patterns = oldPrefixes.stream().map(p -> p.getBytes(StandardCharsets.UTF_8)).filter(p -> p.length > 0)
                .toArray(byte[][]::new);
        this.skips = new int[patterns.length][];
        for (int i = 0; i < patterns.length; i++) {
            skips[i] = skipTable(patterns[i]);
        }
        this.replacement = destPrefix == null ? null : destPrefix.getBytes(StandardCharsets.UTF_8);
    }

    /** Boyer-Moore-Horspool shifts: every file is scanned, so the search skips ahead by up to a prefix length. */
    private static int[] skipTable(byte[] p) {
        int[] skip = new int[256];
        java.util.Arrays.fill(skip, p.length);
        for (int i = 0; i < p.length - 1; i++) {
            skip[p[i] & 0xff] = p.length - 1 - i;
        }
        return skip;
    }

    /** Index of the first occurrence of any pattern at or after {@code from}, or -1. */
    int find(byte[] b, int length, int from) {
        int best = -1;
        for (int k = 0; k < patterns.length; k++) {
            int i = indexOf(b, length, patterns[k], skips[k], from, best < 0 ? length : best);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    boolean contains(byte[] b, int length) {
        return find(b, length, 0) >= 0;
    }

    int longestPattern() {
        int max = 0;
        for (byte[] p : patterns) {
            max = Math.max(max, p.length);
        }
        return max;
    }

    /** Every occurrence replaced; the length may change. */
    byte[] replaceText(byte[] b, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 64);
        int pos = 0;
        while (true) {
            int at = find(b, length, pos);
            if (at < 0) {
                break;
            }
            out.write(b, pos, at - pos);
            out.write(replacement, 0, replacement.length);
            pos = at + matchLength(b, length, at);
        }
        out.write(b, pos, length - pos);
        return out.toByteArray();
    }

    /** Same-length binary rewrite, or null when a new string does not fit in its string and NUL padding. */
    byte[] replaceBinary(byte[] b, int length) {
        byte[] out = Arrays.copyOf(b, length);
        int pos = 0;
        int at;
        while ((at = find(out, length, pos)) >= 0) {
            int end = at;
            while (end < length && out[end] != 0) {
                end++;
            }
            byte[] replaced = replaceText(Arrays.copyOfRange(out, at, end), end - at);
            int padEnd = end;
            while (padEnd < length && out[padEnd] == 0) {
                padEnd++;
            }
            // The string may grow into the NULs after it, but one NUL must stay to terminate it.
            int room = end == length ? end - at : padEnd - at - 1;
            if (replaced.length > Math.max(room, end - at)) {
                return null;
            }
            System.arraycopy(replaced, 0, out, at, replaced.length);
            for (int i = at + replaced.length; i < end; i++) {
                out[i] = 0;
            }
            pos = Math.max(end, at + replaced.length);
        }
        return out;
    }

    private int matchLength(byte[] b, int length, int at) {
        for (byte[] p : patterns) {
            if (matches(b, length, p, at)) {
                return p.length;
            }
        }
        return 0;
    }

    private static int indexOf(byte[] b, int length, byte[] p, int[] skip, int from, int limit) {
        int m = p.length;
        int last = Math.min(length - m, limit);
        byte tail = p[m - 1];
        int i = from;
        while (i <= last) {
            byte c = b[i + m - 1];
            if (c == tail && matches(b, length, p, i)) {
                return i;
            }
            i += skip[c & 0xff];
        }
        return -1;
    }

    private static boolean matches(byte[] b, int length, byte[] p, int at) {
        if (at + p.length > length) {
            return false;
        }
        for (int j = 1; j < p.length; j++) {
            if (b[at + j] != p[j]) {
                return false;
            }
        }
        return b[at] == p[0];
    }
}
