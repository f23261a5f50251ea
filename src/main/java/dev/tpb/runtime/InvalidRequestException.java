package dev.tpb.runtime;

import dev.tpb.TpbException;

/**
 * A request a model cannot take as it is (malformed data, wrong shape or size, unknown input): the caller's
 * mistake, answered with Triton's wording and, over HTTP, the status it carries (400 unless said otherwise).
 */
public class InvalidRequestException extends TpbException {
    private final int httpStatus;

    public InvalidRequestException(String message) {
        this(ErrorCode.INVALID_ARG.httpStatus(), message);
    }

    public InvalidRequestException(int httpStatus, String message) {
        super(message);
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
