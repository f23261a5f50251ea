package dev.tpb.env;

import dev.tpb.UsageException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code --exclude GLOB} patterns, matched against archive paths: {@code *} and {@code ?} match any characters
 * including {@code /} (as in conda-pack), {@code [...]} a character class. A pattern that matches a directory
 * excludes everything below it.
 */
final class Excludes {
    private final List<Pattern> patterns = new ArrayList<>();

    Excludes(List<String> globs) {
        for (String glob : globs) {
            patterns.add(compile(glob));
        }
    }

    boolean excluded(String path) {
        if (patterns.isEmpty()) {
            return false;
        }
        String p = path;
        while (true) {
            for (Pattern pattern : patterns) {
                if (pattern.matcher(p).matches()) {
                    return true;
                }
            }
            int slash = p.lastIndexOf('/');
            if (slash < 0) {
                return false;
            }
            p = p.substring(0, slash);
        }
    }

    private static Pattern compile(String glob) {
        String g = glob.startsWith("./") ? glob.substring(2) : glob;
        while (g.endsWith("/") && g.length() > 1) {
            g = g.substring(0, g.length() - 1);
        }
        if (g.isEmpty() || g.startsWith("/")) {
            throw new UsageException("--exclude '" + glob + "': patterns are relative to the environment "
                    + "(e.g. 'lib/python3.*/site-packages/*/tests')");
        }
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int end = g.indexOf(']', i + 2);
                    if (end < 0) {
                        throw new UsageException("--exclude '" + glob + "': unclosed '['");
                    }
                    String body = g.substring(i + 1, end);
                    String inner = body.startsWith("!") ? "^" + body.substring(1) : body;
                    re.append('[').append(inner.replace("\\", "\\\\").replace("[", "\\[")).append(']');
                    i = end;
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
