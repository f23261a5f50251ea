package dev.tpb.env;

import dev.tpb.env.archive.ArchiveFormat;
import java.util.List;

/**
 * How to pack.
 *
 * @param level              compression level (gzip 1..9, zstd 1..19); ignored for tar and dir
 * @param threads            compression threads
 * @param excludes           --exclude globs
 * @param destPrefix         where the environment will live, for rewriting text files that hold the old
 *                           prefix; null to leave them (and report them)
 * @param ignoreMissingFiles pack although conda-managed files are missing or were changed
 * @param ignoreEditable     pack although editable installs point outside the environment
 * @param force              replace an existing output
 */
public record PackOptions(ArchiveFormat format, int level, int threads, List<String> excludes, String destPrefix,
                          boolean ignoreMissingFiles, boolean ignoreEditable, boolean force) {

    public static int defaultLevel(ArchiveFormat format) {
        return format == ArchiveFormat.TAR_ZST ? 3 : 4;
    }
}
