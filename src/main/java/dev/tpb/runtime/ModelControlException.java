package dev.tpb.runtime;

import dev.tpb.TpbException;

/** A model load or unload refused or failed, in Triton's words, with the code that decides the HTTP status. */
public final class ModelControlException extends TpbException {
    private final ErrorCode code;

    public ModelControlException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
