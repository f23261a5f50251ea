package dev.tpb.runtime;

/** A model version's state in the repository index, with the reason when it is not READY. */
public record ModelStatus(String name, String version, ModelState state, String reason) {
}
