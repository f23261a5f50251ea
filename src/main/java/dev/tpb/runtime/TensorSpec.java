package dev.tpb.runtime;

/** An input or output as the model configuration declares it; {@code dims} excludes the batch dimension. */
public record TensorSpec(String name, DataType datatype, long[] dims, boolean optional) {
}
