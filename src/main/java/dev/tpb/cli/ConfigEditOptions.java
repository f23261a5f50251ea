package dev.tpb.cli;

import picocli.CommandLine.Option;

/** What every mutating {@code tpb config} command takes. */
final class ConfigEditOptions {
    @Option(names = "--dry-run", description = "Print the change as a unified diff and change nothing.")
    boolean dryRun;

    @Option(names = "--check", description = "Change nothing; exit 1 if the file would change (for CI).")
    boolean check;
}
