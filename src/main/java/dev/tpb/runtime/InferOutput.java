package dev.tpb.runtime;

import java.nio.ByteBuffer;

/**
 * One output tensor. {@code data} is a read-only view of the stub's shared memory (no copy): valid until the
 * {@link InferResult} holding it is closed.
 */
public record InferOutput(String name, DataType datatype, long[] shape, ByteBuffer data) {
}
