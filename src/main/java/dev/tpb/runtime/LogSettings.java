package dev.tpb.runtime;

/**
 * Which log lines are shown, as tritonserver's --log-info, --log-warning, --log-error and --log-verbose set them and
 * /v2/logging changes them; stubs read them from their region (pb_utils.Logger, the stub's own error lines).
 */
public record LogSettings(boolean info, boolean warning, boolean error, int verbose, String format) {
    public static final LogSettings DEFAULT = new LogSettings(true, true, true, 0, "default");

    /** The control block's log_settings word (docs/protocol.md). */
    public int bits() {
        return (info ? 1 : 0) | (warning ? 2 : 0) | (error ? 4 : 0) | (Math.max(0, Math.min(verbose, 1 << 23)) << 8);
    }
}
