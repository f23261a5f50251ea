package dev.tpb.env;

import dev.tpb.python.PythonVersion;
import java.util.List;
import java.util.Map;

/**
 * Everything to write, decided before any byte is written.
 *
 * @param entries     sorted by path; parents before children; nothing below an archived symlink
 * @param oldPrefixes paths (and conda placeholders) that files may still contain, longest first
 * @param managed     conda-managed files by archive path, for hash checks and placeholder modes
 * @param epoch       mtime given to generated files (SOURCE_DATE_EPOCH, else the newest input mtime)
 */
record PackPlan(EnvInfo info, PythonVersion python, List<Entry> entries, List<String> oldPrefixes,
                Map<String, CondaMeta.PathInfo> managed, Map<String, String> packageOf, List<String> warnings,
                long epoch) {

    int fileCount() {
        return (int) entries.stream().filter(e -> e.type() == Entry.Type.FILE || e.type() == Entry.Type.HARDLINK)
                .count();
    }

    long bytesIn() {
        return entries.stream().filter(Entry::isFile).mapToLong(Entry::size).sum();
    }
}
