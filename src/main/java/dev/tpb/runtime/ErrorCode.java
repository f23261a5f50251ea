package dev.tpb.runtime;

/** Triton's error codes (pb_utils.TritonError codes) and the HTTP status Triton answers each with. */
public enum ErrorCode {
    UNKNOWN(400), INTERNAL(500), NOT_FOUND(404), INVALID_ARG(400), UNAVAILABLE(503), UNSUPPORTED(501),
    ALREADY_EXISTS(400), CANCELLED(400);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public static ErrorCode parse(String name) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException | NullPointerException e) {
            return INTERNAL;
        }
    }
}
