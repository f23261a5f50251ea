package dev.tpb.runtime;

/** An error for one request, in Triton's words, with the code that decides the HTTP status. */
public record InferError(String message, ErrorCode code) {
}
