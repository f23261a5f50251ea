package dev.tpb.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a launcher can leave behind: stub processes and /dev/shm/tpb_* regions. Both are found by the launcher's
 * pid (a stub's argv[5]; a region's control block), so tests running beside other tpb processes see only theirs.
 */
public final class Leftovers {
    private static final int OFF_LAUNCHER_PID = 24;

    private Leftovers() {
    }

    /** Live stub processes started by the launcher {@code pid}. */
    public static List<Long> stubs(long pid) {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String[] argv = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
                    int stub = -1;
                    for (int i = 0; i < argv.length; i++) {
                        if (argv[i].endsWith("triton_python_backend_stub")) {
                            stub = i;
                            break;
                        }
                    }
                    if (stub >= 0 && argv.length > stub + 5 && argv[stub + 5].equals(Long.toString(pid))
                            && !isZombie(p)) {
                        found.add(Long.parseLong(name));
                    }
                } catch (IOException ignored) {
                    // the process went away
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return found;
    }

    private static boolean isZombie(Path proc) throws IOException {
        String stat = Files.readString(proc.resolve("stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    }

    /** /dev/shm/tpb_* regions whose control block names {@code pid} as their launcher. */
    public static List<String> regions(long pid) {
        List<String> found = new ArrayList<>();
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm"))) {
            for (Path p : shm.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith("tpb_")) {
                    continue;
                }
                if (name.endsWith(".sock")) {
                    if (regionPid(Path.of(p.toString().substring(0, p.toString().length() - 5))) == pid) {
                        found.add(name);
                    }
                    continue;
                }
                if (regionPid(p) == pid) {
                    found.add(name);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return found;
    }

    private static long regionPid(Path region) {
        try (FileChannel ch = FileChannel.open(region, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(b, OFF_LAUNCHER_PID) < 4) {
                return -1;
            }
            return Integer.toUnsignedLong(b.getInt(0));
        } catch (IOException e) {
            return -1;
        }
    }
}
