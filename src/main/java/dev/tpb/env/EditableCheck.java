package dev.tpb.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds editable installs, whose code lives outside the environment and so would be missing from the archive:
 * PEP 610 {@code direct_url.json} with {@code "editable": true}, old-style {@code .egg-link} files, and
 * {@code .pth} path lines that point outside the prefix ({@code import} lines are hooks, not paths).
 */
final class EditableCheck {
    private EditableCheck() {
    }

    /** One description per editable install: "name (where its code is)". */
    static List<String> find(Path prefix, Path sitePackages) {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(sitePackages)) {
            return found;
        }
        List<Path> children;
        try (Stream<Path> s = Files.list(sitePackages)) {
            children = s.sorted().toList();
        } catch (IOException e) {
            return found;
        }
        ObjectMapper json = new ObjectMapper();
        for (Path child : children) {
            String name = child.getFileName().toString();
            if (name.endsWith(".dist-info")) {
                Path directUrl = child.resolve("direct_url.json");
                if (Files.isRegularFile(directUrl)) {
                    try {
                        JsonNode n = json.readTree(directUrl.toFile());
                        if (n.path("dir_info").path("editable").asBoolean(false)) {
                            found.add(name.substring(0, name.length() - ".dist-info".length()) + " ("
                                    + n.path("url").asText("?") + ")");
                        }
                    } catch (IOException e) {
                        // unreadable metadata does not make a package editable
                    }
                }
            } else if (name.endsWith(".egg-link")) {
                found.add(name.substring(0, name.length() - ".egg-link".length()) + " (" + firstLine(child) + ")");
            } else if (name.endsWith(".pth") && Files.isRegularFile(child)) {
                for (String line : lines(child)) {
                    String l = line.strip();
                    if (l.isEmpty() || l.startsWith("#") || l.startsWith("import ") || l.startsWith("import\t")) {
                        continue;
                    }
                    Path target = sitePackages.resolve(l).normalize();
                    if (!target.startsWith(prefix)) {
                        found.add(name + " (" + l + ")");
                    }
                }
            }
        }
        return found;
    }

    private static String firstLine(Path file) {
        List<String> lines = lines(file);
        return lines.isEmpty() ? "?" : lines.get(0).strip();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return List.of();
        }
    }
}
