package dev.tpb.config;

import java.util.Random;

/** Small random damage to config text: the inputs of the randomized tests. */
final class Mutations {
    private static final String ALPHABET = "{}[]<>:;,\"'#\\-.$/ \n\t0179aeEfxX_tTé\u0001";
    private static final String[] WORDS = {"true", "yes", "KIND_CPU", "kind_cpu", "-1", "0x1F", "1.5", "inf", "${x}",
        "\"s\"", "'q'", "[", "]", "{", "}", "< >", "[ ]", "nan", "3000000000", "TYPE_FP32", "//", "name", "dims",
        "parameters", "\\x41", "\\u12", "1e", "08", "1f", ": {", ",,"};

    private Mutations() {
    }

    static String mutate(String text, Random random) {
        StringBuilder s = new StringBuilder(text);
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            int at = s.length() == 0 ? 0 : random.nextInt(s.length() + 1);
            switch (random.nextInt(6)) {
                case 0 -> {
                    if (at < s.length()) {
                        s.deleteCharAt(at);
                    }
                }
                case 1 -> s.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 2 -> s.insert(at, WORDS[random.nextInt(WORDS.length)]);
                case 3 -> {
                    int end = Math.min(s.length(), at + 1 + random.nextInt(12));
                    s.replace(at, end, WORDS[random.nextInt(WORDS.length)]);
                }
                case 4 -> {
                    int end = Math.min(s.length(), at + 1 + random.nextInt(30));
                    s.delete(at, end);
                }
                default -> {
                    if (at + 1 < s.length()) {
                        char c = s.charAt(at);
                        s.setCharAt(at, s.charAt(at + 1));
                        s.setCharAt(at + 1, c);
                    }
                }
            }
        }
        return s.toString();
    }
}
