package dev.tpb.env;

import dev.tpb.env.archive.ArchiveFormat;
import dev.tpb.python.PythonVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a pack produced.
 *
 * @param files          regular files and hard links written
 * @param bytesIn        bytes of file content read
 * @param bytesOut       bytes written (the archive's size; for a directory, the content written)
 * @param prefixFiles    text files that still hold the old prefix or a conda placeholder
 * @param prefixExamples the first few of them
 * @param rewritten      files whose prefix was rewritten to --dest-prefix
 * @param shebangs       bin/ scripts whose interpreter line was made relocatable
 */
public record PackResult(Path output, ArchiveFormat format, EnvInfo source, PythonVersion python, int files,
                         long bytesIn, long bytesOut, Duration elapsed, List<String> warnings, int prefixFiles,
                         List<String> prefixExamples, int rewritten, int shebangs) {
}
