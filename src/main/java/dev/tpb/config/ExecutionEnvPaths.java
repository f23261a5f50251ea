package dev.tpb.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code EXECUTION_ENV_PATH} parameter: how Triton resolves it, how tpb writes it, and what Triton cannot use.
 * Triton substitutes {@code $$TRITON_MODEL_DIRECTORY} only as a prefix; a relative path resolves against the
 * server's working directory (and usually fails with "Failed to get the canonical path"); an archive must be a
 * gzip tar or a plain tar (libarchive is built with only those), or the environment may be a directory.
 */
public final class ExecutionEnvPaths {
    public static final String PARAMETER = "EXECUTION_ENV_PATH";
    public static final String MODEL_DIR_TOKEN = "$$TRITON_MODEL_DIRECTORY";

    private ExecutionEnvPaths() {
    }

    /** What {@code tpb config set-env} writes, and what the user should know about it. */
    public record Encoded(String value, List<String> warnings) {
    }

    /** The path Triton would use for a parameter value, for a model in {@code modelDir}. */
    public static Path resolve(String value, Path modelDir) {
        if (value.startsWith(MODEL_DIR_TOKEN)) {
            String rest = value.substring(MODEL_DIR_TOKEN.length());
            while (rest.startsWith("/")) {
                rest = rest.substring(1);
            }
            return modelDir.toAbsolutePath().resolve(rest).normalize();
        }
        return Path.of(value).normalize();
    }

    /**
     * The value to write for an environment at {@code envPath} (as the user typed it, relative to the working
     * directory) used by the model in {@code modelDir}: inside the model directory as
     * {@code $$TRITON_MODEL_DIRECTORY/<relative>}, elsewhere as an absolute path (with a warning).
     */
    public static Encoded encode(String envPath, Path modelDir) {
        List<String> warnings = new ArrayList<>();
        Path model = modelDir.toAbsolutePath().normalize();
        String value;
        Path target;
        if (envPath.startsWith(MODEL_DIR_TOKEN)) {
            value = envPath;
            target = resolve(envPath, model);
        } else {
            target = Path.of(envPath).toAbsolutePath().normalize();
            if (target.startsWith(model) && !target.equals(model)) {
                value = MODEL_DIR_TOKEN + "/" + model.relativize(target).toString().replace('\\', '/');
            } else {
                value = target.toString();
                warnings.add(target + " is outside the model directory " + model + "; it is written as an "
                        + "absolute path, but Triton's behaviour for an EXECUTION_ENV_PATH outside the model "
                        + "directory is undefined (Triton's README asks for a path inside it)");
            }
        }
        warnings.addAll(checkTarget(target));
        return new Encoded(value, warnings);
    }

    /** Warnings about the file or directory an environment path names: missing, unreadable or incomplete. */
    public static List<String> checkTarget(Path target) {
        List<String> warnings = new ArrayList<>();
        if (Files.isDirectory(target)) {
            if (!Files.isRegularFile(target.resolve("bin/activate"))) {
                warnings.add(target + " is a directory without bin/activate; Triton fails with \"Path "
                        + target + "/bin/activate does not exist. The Python environment should contain an "
                        + "'activate' script.\"");
            }
        } else if (!Files.exists(target)) {
            warnings.add(target + " does not exist (yet)");
        }
        unreadableArchive(target.getFileName() == null ? "" : target.getFileName().toString())
                .ifPresent(warnings::add);
        return warnings;
    }

    /** Why Triton cannot read an archive of this name, if it cannot. */
    public static Optional<String> unreadableArchive(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        for (String extension : List.of(".zst", ".tzst", ".bz2", ".tbz2", ".xz", ".txz", ".zip", ".7z", ".lz4")) {
            if (name.endsWith(extension)) {
                return Optional.of(fileName + ": Triton reads only gzip-compressed or plain tar archives, or a "
                        + "directory (a " + extension.substring(1) + " archive fails with \"Unrecognized archive "
                        + "format\"); use a .tar.gz, a .tar or the unpacked directory");
            }
        }
        return Optional.empty();
    }

    /** Warnings about a value as written, independent of the file system. */
    public static List<String> lint(String value) {
        List<String> warnings = new ArrayList<>();
        if (value.isEmpty()) {
            warnings.add("EXECUTION_ENV_PATH is empty; Triton fails with \"The archive path is empty.\"");
            return warnings;
        }
        int token = value.indexOf(MODEL_DIR_TOKEN);
        if (token > 0) {
            warnings.add("EXECUTION_ENV_PATH \"" + value + "\" has " + MODEL_DIR_TOKEN + " in the middle; Triton "
                    + "substitutes it only at the start of the path");
        } else if (token < 0 && !value.startsWith("/") && !value.startsWith("$")) {
            warnings.add("EXECUTION_ENV_PATH \"" + value + "\" is relative: Triton resolves it against the server's "
                    + "working directory and usually fails with \"Failed to get the canonical path\"; write \""
                    + MODEL_DIR_TOKEN + "/" + value + "\" for a path inside the model directory");
        }
        int slash = value.lastIndexOf('/');
        unreadableArchive(value.substring(slash + 1)).ifPresent(warnings::add);
        return warnings;
    }
}
