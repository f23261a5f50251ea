package dev.tpb.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.testing.Models;
import dev.tpb.testing.Proc;
import dev.tpb.testing.TestStubs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real launcher (java -jar target/tpb.jar) with real stubs: killed, its stubs follow; its regions are cleaned. */
class LauncherIT {
    private static final String JAR = System.getProperty("tpb.jar", "target/tpb.jar");

    private static List<String> tpb(String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Map<String, String> env() {
        return Map.of("TPB_CACHE_DIR", TestStubs.cacheDir().toString(), "MY_ENV", "MY_ENV");
    }

    @Test
    void stubsDieWithAKilledLauncherAndItsRegionsAreCleanedAtTheNextStart(@TempDir Path repo) throws Exception {
        Models.copy(repo, "sleeper", "add_sub");
        ProcessBuilder pb = new ProcessBuilder(tpb("infer", repo.toString(), "sleeper", "--input", "SECONDS=[60]"));
        pb.environment().putAll(env());
        pb.redirectErrorStream(true).redirectOutput(repo.resolve("launcher.log").toFile());
        Process launcher = pb.start();
        List<ProcessHandle> stubs = waitForStubs(launcher, 60);
        List<String> regions = regionsOf(launcher.pid());
        assertFalse(regions.isEmpty(), "the launcher made a region");

        launcher.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
        launcher.waitFor();
        long killed = System.nanoTime();
        while (stubs.stream().anyMatch(LauncherIT::running) && System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(5)) {
            Thread.sleep(5);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        assertTrue(millis < 1000, "stubs exited " + millis + " ms after the launcher was killed");
        for (String region : regions) {
            assertTrue(Files.exists(Path.of("/dev/shm", region)), "a killed launcher leaves " + region + " behind");
        }

        Proc next = Proc.run(null, env(), tpb("infer", repo.toString(), "add_sub", "--input", "INPUT0=[1,2,3,4]",
                "--input", "INPUT1=[1,1,1,1]"), null);
        assertEquals(0, next.exitCode(), next::toString);
        for (String region : regions) {
            assertFalse(Files.exists(Path.of("/dev/shm", region)), "the next tpb removed the stale " + region);
        }
    }

    @Test
    void sigtermStopsTpbInferCleanly(@TempDir Path repo) throws Exception {
        Models.copy(repo, "sleeper");
        ProcessBuilder pb = new ProcessBuilder(tpb("infer", repo.toString(), "sleeper", "--input", "SECONDS=[60]"));
        pb.environment().putAll(env());
        pb.redirectErrorStream(true).redirectOutput(repo.resolve("launcher.log").toFile());
        Process launcher = pb.start();
        List<ProcessHandle> stubs = waitForStubs(launcher, 60);
        List<String> regions = regionsOf(launcher.pid());
        launcher.destroy(); // SIGTERM
        assertTrue(launcher.waitFor(30, TimeUnit.SECONDS), "tpb infer exits on SIGTERM");
        for (ProcessHandle stub : stubs) {
            assertFalse(running(stub), "stub " + stub.pid() + " is gone");
        }
        for (String region : regions) {
            assertFalse(Files.exists(Path.of("/dev/shm", region)), "SIGTERM removed " + region);
        }
    }

    @Test
    void theLaunchersEnvironmentReachesTheModel(@TempDir Path repo) {
        Models.copy(repo, "model_env");
        Proc p = Proc.run(null, env(), tpb("infer", repo.toString(), "model_env", "--input", "NAME=[\"MY_ENV\"]",
                "--json"), null);
        assertEquals(0, p.exitCode(), p::toString);
        assertTrue(p.out().contains("\"data\":[\"MY_ENV\"]"), p::toString);
    }

    private static List<ProcessHandle> waitForStubs(Process launcher, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> stubs = launcher.toHandle().descendants()
                    .filter(h -> h.info().command().orElse("").endsWith("triton_python_backend_stub")).toList();
            if (!stubs.isEmpty() && !regionsOf(launcher.pid()).isEmpty()) {
                Thread.sleep(500); // let it reach execute()
                return stubs;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no stub started within " + seconds + " s");
    }

    /** Running, not a zombie waiting to be reaped (ProcessHandle.onExit polls slowly for non-children). */
    private static boolean running(ProcessHandle stub) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(stub.pid()), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** Regions whose control block names {@code pid} as launcher. */
    private static List<String> regionsOf(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("tpb_") && !p.toString().endsWith(".sock"))
                    .filter(p -> launcherPid(p) == pid).map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static long launcherPid(Path region) {
        try {
            byte[] head = Files.readAllBytes(region);
            return head.length < 28 ? -1 : java.nio.ByteBuffer.wrap(head, 24, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .getInt() & 0xffffffffL;
        } catch (IOException e) {
            return -1;
        }
    }
}
