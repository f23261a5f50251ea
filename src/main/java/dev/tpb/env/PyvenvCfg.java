package dev.tpb.env;

import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The {@code key = value} lines of a venv's pyvenv.cfg (venv and virtualenv spell some keys differently). */
record PyvenvCfg(Path file, Map<String, String> values) {

    static PyvenvCfg read(Path file) {
        Map<String, String> values = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.strip().startsWith("#")) {
                    values.put(line.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT),
                            line.substring(eq + 1).strip());
                }
            }
        } catch (IOException e) {
            throw new TpbException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return new PyvenvCfg(file, values);
    }

    Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key)).filter(v -> !v.isEmpty());
    }

    /** "3.11.7" from {@code version} (venv), {@code version_info} (virtualenv: 3.11.7.final.0). */
    Optional<String> version() {
        return get("version").or(() -> get("version_info"));
    }

    Optional<Path> home() {
        return get("home").map(Path::of);
    }

    boolean systemSitePackages() {
        return get("include-system-site-packages").map(v -> v.equalsIgnoreCase("true")).orElse(false);
    }
}
