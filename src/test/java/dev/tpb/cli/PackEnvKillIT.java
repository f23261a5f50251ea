package dev.tpb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.env.EnvFixtures;
import dev.tpb.testing.Proc;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real `java -jar tpb.jar pack-env` killed midway leaves no output file behind. */
class PackEnvKillIT {
    @TempDir
    static Path tmp;
    private static Path prefix;

    @BeforeAll
    static void bigEnv() throws IOException {
        prefix = EnvFixtures.fakePrefix(tmp.resolve("env"));
        Random random = new Random(7);
        String[] words = {"tensor", "model", "import", "return", "self", "value", "triton", "backend", "batch"};
        try (BufferedWriter w = Files.newBufferedWriter(prefix.resolve("lib/python3.11/site-packages/big.txt"))) {
            for (long written = 0; written < 200L << 20; ) {
                String word = words[random.nextInt(words.length)] + random.nextInt(1000) + (random.nextInt(12) == 0 ? "\n" : " ");
                w.write(word);
                written += word.length();
            }
        }
    }

    private static Process start(Path out) throws IOException {
        return new ProcessBuilder("java", "-jar", System.getProperty("tpb.jar"), "pack-env", "--prefix", prefix.toString(),
                "-o", out.toString(), "--compress-level", "9", "--threads", "1")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("log-" + out.getFileName()).toFile()).start();
    }

    /** Waits until the packer has written a good part of its temporary file. */
    private static Path awaitTemp(Path dir, Process p) throws Exception {
        for (int i = 0; i < 600; i++) {
            List<Path> temps = temps(dir);
            if (!temps.isEmpty() && Files.size(temps.get(0)) > (4 << 20)) {
                return temps.get(0);
            }
            assertTrue(p.isAlive(), "the packer ended before it could be interrupted: " + Files.readString(
                    tmp.resolve("log-" + dir.getFileName() + ".tar.gz")));
            Thread.sleep(50);
        }
        throw new AssertionError("no temporary output appeared");
    }

    private static List<Path> temps(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().contains(".tpb-")).toList();
        }
    }

    @Test
    void ctrlCLeavesNeitherOutputNorTemporaryFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sigint"));
        Path out = dir.resolve("sigint.tar.gz");
        Process p = start(out);
        awaitTemp(dir, p);
        assertEquals(0, Proc.run("kill", "-INT", String.valueOf(p.pid())).exitCode());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertFalse(Files.exists(out), "no output after Ctrl-C");
        assertEquals(List.of(), temps(dir), "the temporary file is removed on Ctrl-C");
    }

    @Test
    void sigkillLeavesNoOutputAndTheNextPackRemovesTheLeftover() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sigkill"));
        Path out = dir.resolve("sigkill.tar.gz");
        Files.writeString(out, "an older archive");
        Process p = new ProcessBuilder("java", "-jar", System.getProperty("tpb.jar"), "pack-env", "--prefix",
                prefix.toString(), "-o", out.toString(), "--force", "--compress-level", "9", "--threads", "1")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("log-sigkill.tar.gz").toFile()).start();
        awaitTemp(dir, p);
        p.destroyForcibly();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("an older archive", Files.readString(out), "an existing target is untouched");
        assertEquals(1, temps(dir).size(), "a killed process cannot clean up after itself");

        Proc again = Proc.run("java", "-jar", System.getProperty("tpb.jar"), "pack-env", "--prefix", prefix.toString(),
                "-o", out.toString(), "--force", "--exclude", "*/big.txt");
        assertEquals(0, again.exitCode(), again::toString);
        assertEquals(List.of(), temps(dir), "the dead packer's leftover is removed");
        assertEquals(0, Proc.run("gzip", "-t", out.toString()).exitCode());
    }
}
