package dev.tpb.env;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PrefixRewriterTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void findsEveryOccurrenceLikeAPlainSearch() {
        Random random = new Random(3);
        String prefix = "/tmp/envs/model";
        PrefixRewriter r = new PrefixRewriter(List.of(prefix, "/opt/placeholder"), null);
        for (int round = 0; round < 200; round++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < random.nextInt(400); i++) {
                int pick = random.nextInt(10);
                sb.append(pick == 0 ? prefix : pick == 1 ? "/tmp/envs/mode" : pick == 2 ? "/opt/placeholder"
                        : String.valueOf((char) ('a' + random.nextInt(26))));
            }
            String text = sb.toString();
            int expected = minPositive(text.indexOf(prefix), text.indexOf("/opt/placeholder"));
            assertEquals(expected, r.find(b(text), text.length(), 0), text);
        }
    }

    @Test
    void textReplacementMayChangeLength() {
        PrefixRewriter r = new PrefixRewriter(List.of("/old/prefix"), "/new");
        byte[] in = b("a=/old/prefix/lib b=/old/prefix\n");
        assertArrayEquals(b("a=/new/lib b=/new\n"), r.replaceText(in, in.length));
    }

    @Test
    void binaryReplacementKeepsLengthAndPadsWithNuls() {
        PrefixRewriter shorter = new PrefixRewriter(List.of("/old/prefix"), "/new");
        byte[] in = b("\u0001/old/prefix/lib\u0000tail");
        assertArrayEquals(b("\u0001/new/lib\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000tail"),
                shorter.replaceBinary(in, in.length));
        PrefixRewriter longer = new PrefixRewriter(List.of("/old"), "/much/longer");
        byte[] padded = b("/old/lib\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000x");
        assertArrayEquals(b("/much/longer/lib\u0000x"), longer.replaceBinary(padded, padded.length));
        byte[] tight = b("/old/lib\u0000x");
        assertNull(longer.replaceBinary(tight, tight.length), "no room: refused, never corrupted");
    }

    private static int minPositive(int a, int b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }
}
