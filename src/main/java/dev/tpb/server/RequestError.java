package dev.tpb.server;

import dev.tpb.runtime.ErrorCode;
import dev.tpb.runtime.InvalidRequestException;

/** A request the server refuses, with the HTTP status and the message sent as {"error": ...}. */
public final class RequestError extends InvalidRequestException {
    public RequestError(int status, String message) {
        super(status, message);
    }

    /** INVALID_ARG: HTTP 400. */
    public static RequestError invalid(String message) {
        return new RequestError(ErrorCode.INVALID_ARG.httpStatus(), message);
    }

    public static RequestError notFound(String message) {
        return new RequestError(ErrorCode.NOT_FOUND.httpStatus(), message);
    }

    public static RequestError unsupported(String message) {
        return new RequestError(ErrorCode.UNSUPPORTED.httpStatus(), message);
    }

    public int status() {
        return httpStatus();
    }
}
