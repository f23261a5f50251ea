package dev.tpb.env.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.testing.Proc;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParallelGzipTest {
    /** Text-like data with repeats at distances beyond one block, so the dictionary carry-over matters. */
    private static byte[] sample(int size) {
        Random random = new Random(42);
        String[] words = {"import", "numpy", "torch", "def", "return", "self", "tensor", "model", "=", "(", ")",
            "\n", "    ", "class", "Triton", "backend", "0x", "value"};
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        while (out.size() < size) {
            out.writeBytes(words[random.nextInt(words.length)].getBytes());
            out.write(' ');
            if (random.nextInt(50) == 0) {
                byte[] noise = new byte[random.nextInt(200)];
                random.nextBytes(noise);
                out.writeBytes(noise);
            }
        }
        return java.util.Arrays.copyOf(out.toByteArray(), size);
    }

    private static byte[] compress(byte[] data, int level, int threads, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, level, threads)) {
            for (int i = 0; i < data.length; i += chunk) {
                gz.write(data, i, Math.min(chunk, data.length - i));
            }
        }
        return out.toByteArray();
    }

    @Test
    void oneGzipStreamThatJavaAndGzipRead(@TempDir Path tmp) throws IOException {
        byte[] data = sample(5 * 1024 * 1024 + 12345);
        byte[] gz = compress(data, 6, 2, 70_000);
        assertArrayEquals(data, new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes());
        Path file = tmp.resolve("x.gz");
        Files.write(file, gz);
        Proc test = Proc.run("gzip", "-t", file.toString());
        assertEquals(0, test.exitCode(), test::toString);
        Proc list = Proc.run("gzip", "-l", file.toString());
        assertTrue(list.out().contains(String.valueOf(data.length)), list::toString);
        // one member: a single deflate stream runs from after the 10-byte header to the 8-byte trailer
        java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
        inflater.setInput(gz, 10, gz.length - 10);
        byte[] sink = new byte[1 << 16];
        try {
            while (!inflater.finished()) {
                inflater.inflate(sink);
            }
        } catch (java.util.zip.DataFormatException e) {
            throw new AssertionError(e);
        }
        assertEquals(8, inflater.getRemaining(), "only the trailer follows the deflate stream");
        inflater.end();
        assertEquals(0, gz[4] | gz[5] | gz[6] | gz[7], "mtime 0");
    }

    @Test
    void sameBytesWhateverTheThreadCountOrWriteSizes() throws IOException {
        byte[] data = sample(3 * 1024 * 1024);
        byte[] one = compress(data, 4, 1, 1 << 20);
        assertArrayEquals(one, compress(data, 4, 2, 512));
        assertArrayEquals(one, compress(data, 4, 4, 333_333));
    }

    @Test
    void withinOnePercentOfSerialDeflate() throws IOException {
        byte[] data = sample(4 * 1024 * 1024);
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(serial) {
            {
                def.setLevel(6);
            }
        }) {
            gz.write(data);
        }
        int parallel = compress(data, 6, 2, 1 << 16).length;
        double ratio = (double) parallel / serial.size();
        assertTrue(ratio < 1.01, "parallel " + parallel + " vs serial " + serial.size());
    }

    @Test
    void emptyInputIsAValidEmptyStream() throws IOException {
        byte[] gz = compress(new byte[0], 6, 2, 1);
        assertEquals(0, new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes().length);
    }
}
