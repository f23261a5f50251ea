package dev.tpb.runtime;

import java.nio.ByteBuffer;

/**
 * One input tensor of a request. {@code data} holds the raw little-endian, row-major bytes (BYTES: each
 * element as a u32 little-endian length followed by its bytes); it is read, never modified or kept.
 */
public record InferInput(String name, DataType datatype, long[] shape, ByteBuffer data) {
}
