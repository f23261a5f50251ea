package dev.tpb.env;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Rewrites the interpreter line of a bin/ script that points into the old prefix so that it finds the
 * interpreter wherever the environment is: {@code #!/old/bin/python3.11} becomes
 * {@code #!/usr/bin/env python3.11}. Scripts with options on that line, and pip's {@code '''exec'} form for
 * long paths, run the interpreter from the script's own directory through /bin/sh instead.
 */
final class Shebang {
    private Shebang() {
    }

    /** The script with a relocatable first line (or lines), or empty when it does not point into a prefix. */
    static Optional<byte[]> rewrite(byte[] content, int length, List<String> oldPrefixes) {
        if (length < 3 || content[0] != '#' || content[1] != '!') {
            return Optional.empty();
        }
        int eol = indexOf(content, length, (byte) '\n', 0);
        if (eol < 0) {
            eol = length;
        }
        String first = new String(content, 2, eol - 2, StandardCharsets.UTF_8).strip();
        int space = indexOfBlank(first);
        String interpreter = space < 0 ? first : first.substring(0, space);
        String options = space < 0 ? "" : first.substring(space).strip();
        if (insidePrefix(interpreter, oldPrefixes)) {
            String name = interpreter.substring(interpreter.lastIndexOf('/') + 1);
            String replacement;
            if (options.isEmpty()) {
                replacement = "#!/usr/bin/env " + name;
            } else if (name.startsWith("python")) {
                // Linux passes everything after the interpreter as one argument, so "env python -E" would fail.
                replacement = "#!/bin/sh\n'''exec' \"$(dirname -- \"$0\")/" + name + "\" " + options
                        + " \"$0\" \"$@\"\n' '''";
            } else {
                replacement = "#!/usr/bin/env " + name + " " + options;
            }
            return Optional.of(splice(content, length, 0, eol, replacement));
        }
        if (interpreter.equals("/bin/sh")) {
            return pipExecForm(content, length, eol, oldPrefixes);
        }
        return Optional.empty();
    }

    /** pip/distlib: #!/bin/sh, then '''exec' "/old/bin/python" "$0" "$@", for interpreter paths too long. */
    private static Optional<byte[]> pipExecForm(byte[] content, int length, int eol, List<String> oldPrefixes) {
        int start = eol + 1;
        int end = indexOf(content, length, (byte) '\n', start);
        if (start >= length || end < 0) {
            return Optional.empty();
        }
        String line = new String(content, start, end - start, StandardCharsets.UTF_8);
        String marker = "'''exec' ";
        if (!line.startsWith(marker)) {
            return Optional.empty();
        }
        String rest = line.substring(marker.length());
        String interpreter;
        String after;
        if (rest.startsWith("\"")) {
            int close = rest.indexOf('"', 1);
            if (close < 0) {
                return Optional.empty();
            }
            interpreter = rest.substring(1, close);
            after = rest.substring(close + 1);
        } else {
            int space = indexOfBlank(rest);
            interpreter = space < 0 ? rest : rest.substring(0, space);
            after = space < 0 ? "" : rest.substring(space);
        }
        if (!insidePrefix(interpreter, oldPrefixes)) {
            return Optional.empty();
        }
        String name = interpreter.substring(interpreter.lastIndexOf('/') + 1);
        return Optional.of(splice(content, length, start, end,
                marker + "\"$(dirname -- \"$0\")/" + name + "\"" + after));
    }

    private static boolean insidePrefix(String path, List<String> oldPrefixes) {
        for (String p : oldPrefixes) {
            if (path.startsWith(p + "/")) {
                return true;
            }
        }
        return false;
    }

    private static byte[] splice(byte[] content, int length, int from, int to, String replacement) {
        byte[] r = replacement.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[length - (to - from) + r.length];
        System.arraycopy(content, 0, out, 0, from);
        System.arraycopy(r, 0, out, from, r.length);
        System.arraycopy(content, to, out, from + r.length, length - to);
        return out;
    }

    private static int indexOf(byte[] b, int length, byte value, int from) {
        for (int i = from; i < length; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOfBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == ' ' || s.charAt(i) == '\t') {
                return i;
            }
        }
        return -1;
    }
}
