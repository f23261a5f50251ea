package dev.tpb.cli;

import dev.tpb.demo.Demo;
import dev.tpb.util.AtomicFiles;
import dev.tpb.util.CacheDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "Show the whole workflow on this machine's Pythons: build stubs for two Python "
        + "versions, pack an environment for one model, edit config.pbtxt, serve both models over KServe v2 HTTP and "
        + "call them.")
final class DemoCommand extends TpbSubcommand {
    @Option(names = "--dir", paramLabel = "DIR", description = "Work in DIR and keep it (default: a temporary "
            + "directory, removed afterwards).")
    Path dir;

    @Override
    protected int run() throws Exception {
        boolean keep = dir != null;
        Path work = keep ? dir : Files.createTempDirectory("tpb-demo-");
        if (keep && Files.exists(work.resolve("models"))) {
            throw new dev.tpb.UsageException("--dir " + dir + " already holds a models/ directory; pick an empty one");
        }
        try {
            new Demo(work, keep, CacheDirs.root(), console().out(), console()).run();
            return Main.OK;
        } finally {
            if (!keep) {
                try (Stream<Path> walk = Files.walk(work)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(AtomicFiles::deleteQuietly);
                }
            }
        }
    }
}
