package dev.tpb.runtime;

/** How a stub enters its execution environment (DESIGN.md; Triton changed from source to direct in r25.08). */
public enum ActivationMode {
    /** As Triton ≥ 25.08: VIRTUAL_ENV, PATH and LD_LIBRARY_PATH set, PYTHONHOME removed, no shell. */
    direct,
    /** As older Triton: {@code bash -c "source <env>/bin/activate && exec env LD_LIBRARY_PATH=... <stub> ..."}. */
    source
}
