package dev.tpb.runtime;

/** Receives what a stub prints (model print() calls, pb_utils.Logger lines, Python tracebacks). */
@FunctionalInterface
public interface StubOutput {
    void line(String stubName, String line);

    StubOutput DISCARD = (name, line) -> { };
}
