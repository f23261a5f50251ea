package dev.tpb.config;

/**
 * Something wrong with a config file, at a place in it.
 *
 * @param line   1-based
 * @param column 1-based, in characters
 */
public record ConfigProblem(String file, int line, int column, Severity severity, String message) {
    public enum Severity {
        /** Triton would refuse the file (or the model would fail to load). */
        ERROR,
        /** Triton reads the file, but it probably does not do what was meant. */
        WARNING;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code file:line:col: error: message}, the way compilers report. */
    public String format() {
        return file + ":" + line + ":" + column + ": " + severity + ": " + message;
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }
}
