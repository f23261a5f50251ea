package dev.tpb.runtime;

import dev.tpb.TpbException;

/** An error raised by the model's own Python code; {@link #pythonError()} is the text Python reported. */
public class ModelException extends TpbException {
    private final String pythonError;

    public ModelException(String message, String pythonError) {
        super(message);
        this.pythonError = pythonError;
    }

    public String pythonError() {
        return pythonError;
    }
}
