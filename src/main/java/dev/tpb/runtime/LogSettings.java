package dev.tpb.runtime;

/**
 * Which log lines are shown, as tritonserver's --log-info, --log-warning, --log-error and --log-verbose set them and
 * /v2/logging changes them; stubs read them from their region (pb_utils.Logger, the stub's own error lines).
 */
public record LogSettings(boolean info, boolean warning, boolean error, int verbose, String format) {
    public static final LogSettings DEFAULT = new LogSettings(true, true, true, 0, "default");

    /** The control block's log_settings word (docs/protocol.md). */
    public int bits() {
        return (info ? 1 : 0) | (warning ? 2 : 0) | (error ? 4 : 0) | ("ISO8601".equals(format) ? 8 : 0)
                | (Math.max(0, Math.min(verbose, 1 << 23)) << 8);
    }

    public LogSettings withInfo(boolean on) {
        return new LogSettings(on, warning, error, verbose, format);
    }

    public LogSettings withWarning(boolean on) {
        return new LogSettings(info, on, error, verbose, format);
    }

    public LogSettings withError(boolean on) {
        return new LogSettings(info, warning, on, verbose, format);
    }

    public LogSettings withVerbose(int level) {
        return new LogSettings(info, warning, error, Math.max(0, level), format);
    }

    /** "default" or "ISO8601" (tritonserver's --log-format), else an error in Triton's words. */
    public LogSettings withFormat(String name) {
        if (!name.equals("default") && !name.equals("ISO8601")) {
            throw new IllegalArgumentException("invalid argument for --log_format, got: " + name);
        }
        return new LogSettings(info, warning, error, verbose, name);
    }
}
