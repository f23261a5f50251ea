package dev.tpb.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The package records in {@code conda-meta/*.json}: which files each package installed into the env, with
 * their hashes and prefix placeholders ({@code paths_data}), or just the file list ({@code files}) from older
 * conda versions.
 */
final class CondaMeta {
    private CondaMeta() {
    }

    /**
     * One installed file.
     *
     * @param sha256         hash of the file as shipped in the package (before prefix replacement), or null
     * @param sha256InPrefix hash of the file as it sits in the env, or null when not recorded
     * @param placeholder    the build prefix conda replaced in this file, or null
     * @param binaryMode     the placeholder is replaced the binary way (same length, NUL padded)
     */
    record PathInfo(String path, String type, String sha256, String sha256InPrefix, String placeholder,
                    boolean binaryMode) {

        boolean isFile() {
            return type == null || type.equals("hardlink");
        }
    }

    record PackageRecord(String name, String version, Path file, List<PathInfo> paths) {
    }

    static List<Path> recordFiles(Path prefix) {
        Path meta = prefix.resolve("conda-meta");
        try (Stream<Path> s = Files.list(meta)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new TpbException("cannot list " + meta + ": " + e.getMessage(), e);
        }
    }

    /** Every record; noarch: python paths still in their generic form are mapped into {@code sitePackages}. */
    static List<PackageRecord> read(Path prefix, String sitePackages) {
        ObjectMapper json = new ObjectMapper();
        List<PackageRecord> records = new ArrayList<>();
        for (Path file : recordFiles(prefix)) {
            JsonNode root;
            try {
                root = json.readTree(file.toFile());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new TpbException(file + ": not valid JSON (" + e.getOriginalMessage() + " at line "
                        + e.getLocation().getLineNr() + ")", e);
            } catch (IOException e) {
                throw new TpbException("cannot read " + file + ": " + e.getMessage(), e);
            }
            if (root == null || !root.isObject()) {
                throw new TpbException(file + ": expected a JSON object (a conda package record)");
            }
            boolean noarchPython = "python".equals(root.path("noarch").asText())
                    || "python".equals(root.path("noarch").path("type").asText());
            List<PathInfo> paths = new ArrayList<>();
            JsonNode data = root.path("paths_data").path("paths");
            if (data.isArray() && !data.isEmpty()) {
                for (JsonNode p : data) {
                    String path = p.path("_path").asText(null);
                    if (path == null) {
                        throw new TpbException(file + ": an entry of paths_data.paths has no '_path'");
                    }
                    paths.add(new PathInfo(mapNoarch(path, noarchPython, sitePackages), text(p, "path_type"),
                            text(p, "sha256"), text(p, "sha256_in_prefix"), text(p, "prefix_placeholder"),
                            "binary".equals(text(p, "file_mode"))));
                }
            } else {
                for (JsonNode f : root.path("files")) {
                    paths.add(new PathInfo(mapNoarch(f.asText(), noarchPython, sitePackages), null, null, null,
                            null, false));
                }
            }
            records.add(new PackageRecord(root.path("name").asText(file.getFileName().toString()),
                    root.path("version").asText(""), file, paths));
        }
        return records;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** noarch: python packages ship site-packages/ and python-scripts/; conda installs them here. */
    private static String mapNoarch(String path, boolean noarchPython, String sitePackages) {
        if (noarchPython) {
            if (path.startsWith("site-packages/")) {
                return sitePackages + "/" + path.substring("site-packages/".length());
            }
            if (path.startsWith("python-scripts/")) {
                return "bin/" + path.substring("python-scripts/".length());
            }
        }
        return path;
    }
}
