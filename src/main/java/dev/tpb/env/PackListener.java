package dev.tpb.env;

/** Progress of a pack, for a progress bar. Called on the packing thread; keep it cheap. */
public interface PackListener {
    /** Once, before writing: what will be written. */
    default void planned(int files, long bytes) {
    }

    /** After each entry: files and bytes of input done, bytes of output written so far. */
    default void progress(int files, long bytesIn, long bytesOut) {
    }

    PackListener NONE = new PackListener() {
    };
}
