package dev.tpb;

/** Options or arguments that do not make sense together; exit status 2 like any other usage error. */
public class UsageException extends TpbException {
    public UsageException(String message) {
        super(message);
    }
}
