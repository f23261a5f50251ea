package dev.tpb.env;

/** How an environment is laid out, which decides what packing must add or fix. */
public enum EnvKind {
    /** A conda environment: {@code conda-meta/} lists the files each package installed. */
    CONDA("conda"),
    /** A venv or virtualenv: {@code pyvenv.cfg}; the interpreter and standard library live in a base install. */
    VENV("venv"),
    /** A plain Python prefix with its own {@code bin/python3} and {@code lib/python3.X/} (what pack-env makes). */
    STANDALONE("standalone");

    private final String label;

    EnvKind(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
