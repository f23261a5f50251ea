package dev.tpb.ipc;

/** The stub process went away (its end of the doorbell socket closed) while we were talking to it. */
public final class StubGoneException extends RuntimeException {
    public StubGoneException(String message) {
        super(message);
    }
}
