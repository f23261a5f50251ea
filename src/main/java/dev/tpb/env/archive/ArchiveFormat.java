package dev.tpb.env.archive;

import java.util.Optional;

/** What pack-env writes: gzip tar (what Triton reads), plain tar, zstd tar (tpb's own use), or a directory. */
public enum ArchiveFormat {
    TAR_GZ("tar.gz", ".tar.gz"),
    TAR("tar", ".tar"),
    TAR_ZST("tar.zst", ".tar.zst"),
    DIR("dir", "");

    private final String label;
    private final String suffix;

    ArchiveFormat(String label, String suffix) {
        this.label = label;
        this.suffix = suffix;
    }

    public String label() {
        return label;
    }

    /** The file name suffix this format is written with by default. */
    public String suffix() {
        return suffix;
    }

    public boolean compressed() {
        return this == TAR_GZ || this == TAR_ZST;
    }

    public static Optional<ArchiveFormat> byLabel(String text) {
        for (ArchiveFormat f : values()) {
            if (f.label.equalsIgnoreCase(text)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** The format an output name asks for: .tar.gz/.tgz, .tar, .tar.zst/.tzst, or a trailing slash. */
    public static Optional<ArchiveFormat> bySuffix(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith("/")) {
            return Optional.of(DIR);
        }
        if (n.endsWith(".tar.gz") || n.endsWith(".tgz")) {
            return Optional.of(TAR_GZ);
        }
        if (n.endsWith(".tar.zst") || n.endsWith(".tzst")) {
            return Optional.of(TAR_ZST);
        }
        if (n.endsWith(".tar")) {
            return Optional.of(TAR);
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return label;
    }
}
