package dev.tpb.cli;

import dev.tpb.TpbException;
import dev.tpb.env.Extractor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "unpack-env",
        description = "Extract an environment archive (tar.gz, tar or tar.zst, told apart by content) into DIR, "
                + "as Triton does: entries with '..', absolute names or paths through a symlink are refused.")
final class UnpackEnvCommand extends TpbSubcommand {
    @Parameters(index = "0", paramLabel = "ARCHIVE", description = "The archive to extract.")
    Path archive;

    @Parameters(index = "1", paramLabel = "DIR", description = "Where to extract it (must not exist, or be empty).")
    Path dir;

    @Override
    protected int run() throws IOException {
        if (!Files.isRegularFile(archive)) {
            throw new TpbException(archive + ": " + (Files.exists(archive) ? "not a file" : "no such file"));
        }
        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new TpbException(dir + " exists and is not a directory");
            }
            try (Stream<Path> s = Files.list(target)) {
                if (s.findAny().isPresent()) {
                    throw new TpbException(dir + " is not empty; extract into a new directory");
                }
            }
        }
        Files.createDirectories(target.getParent());
        // Extract beside the target and rename, so DIR never holds half an environment.
        Path temp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tpb-");
        // Ctrl-C or SIGTERM midway: the half-extracted directory goes too.
        Thread cleanup = new Thread(() -> deleteTree(temp), "tpb-unpack-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            int entries = Extractor.extract(archive, temp, console());
            Files.deleteIfExists(target);
            Files.move(temp, target);
            console().out().println("extracted " + String.format("%,d", entries) + " entries into " + target);
        } finally {
            deleteTree(temp);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook runs anyway
            }
        }
        return Main.OK;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(dev.tpb.util.AtomicFiles::deleteQuietly);
        } catch (java.io.IOException ignored) {
            // what is left is a hidden .tpb- directory beside the target
        }
    }
}
