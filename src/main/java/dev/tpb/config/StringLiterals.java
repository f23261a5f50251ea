package dev.tpb.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Quoted string literals of the text format: decoding escapes and writing new literals. */
public final class StringLiterals {
    private StringLiterals() {
    }

    /**
     * The value of one literal, quotes included in {@code literal}. Escapes produce bytes (as in protobuf), which
     * are read as UTF-8. The lexer has already rejected malformed escapes.
     */
    public static String decode(String literal) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(literal.length());
        int end = literal.length() - 1;
        int i = 1;
        while (i < end) {
            char c = literal.charAt(i);
            if (c != '\\') {
                int cp = literal.codePointAt(i);
                appendUtf8(bytes, cp);
                i += Character.charCount(cp);
                continue;
            }
            char e = literal.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'a' -> bytes.write(7);
                case 'b' -> bytes.write('\b');
                case 'f' -> bytes.write('\f');
                case 'n' -> bytes.write('\n');
                case 'r' -> bytes.write('\r');
                case 't' -> bytes.write('\t');
                case 'v' -> bytes.write(11);
                case 'x' -> {
                    int value = 0;
                    int digits = 0;
                    while (digits < 2 && i < end && Character.digit(literal.charAt(i), 16) >= 0) {
                        value = value * 16 + Character.digit(literal.charAt(i++), 16);
                        digits++;
                    }
                    bytes.write(value);
                }
                case 'u', 'U' -> {
                    int count = e == 'u' ? 4 : 8;
                    int cp = Integer.parseInt(literal.substring(i, i + count), 16);
                    i += count;
                    appendUtf8(bytes, cp);
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int value = e - '0';
                        int digits = 1;
                        while (digits < 3 && i < end && literal.charAt(i) >= '0' && literal.charAt(i) <= '7') {
                            value = value * 8 + (literal.charAt(i++) - '0');
                            digits++;
                        }
                        bytes.write(value & 0xFF);
                    } else {
                        bytes.write(e); // \\ \' \" \?
                    }
                }
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A literal for {@code value} in the given quote character ({@code "} or {@code '}). */
    public static String quote(String value, char quote) {
        StringBuilder out = new StringBuilder(value.length() + 2).append(quote);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\').append(c);
                    } else if (c < 0x20 || c == 0x7F) {
                        out.append(String.format("\\%03o", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append(quote).toString();
    }

    private static void appendUtf8(ByteArrayOutputStream bytes, int cp) {
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            cp = 0xFFFD;
        }
        byte[] encoded = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        bytes.write(encoded, 0, encoded.length);
    }
}
