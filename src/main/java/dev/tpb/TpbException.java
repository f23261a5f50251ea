package dev.tpb;

/**
 * A failure the user can act on. The message is shown as is after {@code tpb: error: }, so it must name
 * what went wrong and where (file, line, field or option). The command line turns it into exit status 1.
 */
public class TpbException extends RuntimeException {
    public TpbException(String message) {
        super(message);
    }

    public TpbException(String message, Throwable cause) {
        super(message, cause);
    }
}
