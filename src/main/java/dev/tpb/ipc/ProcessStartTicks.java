package dev.tpb.ipc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Field 22 of /proc/<pid>/stat: when a process started, in clock ticks since boot. Tells reused pids apart. */
final class ProcessStartTicks {
    private ProcessStartTicks() {
    }

    /** The start time, or -1 when the process does not exist. */
    static long of(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may contain spaces: count from the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[22 - 3]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
