package dev.tpb.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** A Triton model repository on disk: one directory per model, numbered version directories inside. */
public final class ModelRepository {
    private static final Pattern LEADING_NUMBER = Pattern.compile("^(\\d+)");
    private static final List<String> NOT_VERSIONS = List.of("warmup", "initial_state", "configs");

    private final Path root;

    public ModelRepository(Path root) {
        if (!Files.isDirectory(root)) {
            throw new TpbException("model repository " + root + " is not a directory");
        }
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** Model directory names, sorted; hidden directories are skipped. */
    public List<String> modelNames() {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new TpbException("cannot list the model repository " + root + ": " + e.getMessage(), e);
        }
    }

    public Path modelDir(String name) {
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new TpbException("Request for unknown model: '" + name + "' is not found in " + root);
        }
        return dir;
    }

    /** Version directories by number, read the way Triton reads them (std::stoll of the name). */
    public static TreeMap<Long, Path> versions(Path modelDir, Reporter reporter) {
        TreeMap<Long, Path> versions = new TreeMap<>();
        try (Stream<Path> s = Files.list(modelDir)) {
            for (Path p : s.filter(Files::isDirectory).sorted().toList()) {
                String n = p.getFileName().toString();
                if (NOT_VERSIONS.contains(n)) {
                    continue;
                }
                Matcher m = LEADING_NUMBER.matcher(n);
                if (!m.find()) {
                    reporter.debug("ignore version directory '" + n + "' which fails to convert to integral number");
                    continue;
                }
                if (m.group(1).length() > 1 && m.group(1).startsWith("0")) {
                    reporter.warn("ignore version directory '" + n + "' which contains leading zeros in its "
                            + "directory name");
                    continue;
                }
                versions.putIfAbsent(Long.parseLong(m.group(1)), p);
            }
        } catch (IOException e) {
            throw new TpbException("cannot list " + modelDir + ": " + e.getMessage(), e);
        }
        return versions;
    }

    /** The versions a version_policy selects (default: the latest one). */
    public static List<Long> selectVersions(JsonNode policy, TreeMap<Long, Path> available, String model,
                                            Reporter reporter) {
        List<Long> selected = new ArrayList<>();
        if (policy != null && policy.has("all")) {
            selected.addAll(available.keySet());
        } else if (policy != null && policy.has("specific")) {
            for (JsonNode v : policy.path("specific").path("versions")) {
                if (available.containsKey(v.asLong())) {
                    selected.add(v.asLong());
                } else {
                    reporter.warn("version " + v.asLong() + " is specified for model '" + model
                            + "', but the version directory is not present");
                }
            }
        } else {
            int n = policy == null ? 1 : Math.max(1, policy.path("latest").path("num_versions").asInt(1));
            selected.addAll(available.descendingKeySet().stream().limit(n).sorted().toList());
        }
        return selected;
    }
}
