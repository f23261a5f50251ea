package dev.tpb.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Is a standard stream a terminal? Linux only, like tpb: read the descriptor's link under /proc. */
final class Terminal {
    static final int STDOUT = 1;
    static final int STDERR = 2;

    private Terminal() {
    }

    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
