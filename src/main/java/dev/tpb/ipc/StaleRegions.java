package dev.tpb.ipc;

import dev.tpb.Reporter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Removes /dev/shm/tpb_* regions (and their sockets) left by a launcher that is no longer running. */
public final class StaleRegions {
    private StaleRegions() {
    }

    /** Returns how many regions were removed. */
    public static int clean(Reporter reporter) {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(ShmRegion.SHM_DIR, ShmLayout.REGION_PREFIX + "*")) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.endsWith(".sock") || !Files.isRegularFile(entry)) {
                    continue;
                }
                if (isStale(entry)) {
                    ShmRegion.deleteQuietly(entry);
                    ShmRegion.deleteQuietly(entry.resolveSibling(name + ".sock"));
                    reporter.debug("removed stale shared memory region " + entry);
                    removed++;
                }
            }
        } catch (IOException e) {
            reporter.debug("cannot list " + ShmRegion.SHM_DIR + ": " + e.getMessage());
        }
        return removed;
    }

    private static boolean isStale(Path region) {
        try (FileChannel ch = FileChannel.open(region, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(header, 0) < 40) {
                return false; // still being created, or not ours
            }
            if (header.getInt(ShmLayout.OFF_MAGIC) != ShmLayout.MAGIC) {
                return false;
            }
            long pid = Integer.toUnsignedLong(header.getInt(ShmLayout.OFF_LAUNCHER_PID));
            long ticks = header.getLong(ShmLayout.OFF_LAUNCHER_TICKS);
            long now = ProcessStartTicks.of(pid);
            return now < 0 || now != ticks;
        } catch (IOException e) {
            return false; // someone else's region we cannot read: leave it alone
        }
    }
}
