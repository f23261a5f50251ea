package dev.tpb.ipc;

import dev.tpb.TpbException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bodies of EXECUTE and EXECUTE_RESULT: Python's marshal format, version 2, restricted to None, booleans,
 * integers, strings, lists, tuples and string-keyed dicts (docs/protocol.md spells out every byte). The stub reads
 * and writes it with {@code marshal.loads}/{@code marshal.dumps(value, 2)}, in C, several times faster than its
 * JSON module: these two messages are on every inference's path.
 */
final class Marshal {
    static final int VERSION = 2;
    private static final int NULL = '0';
    private static final int NONE = 'N';
    private static final int FALSE = 'F';
    private static final int TRUE = 'T';
    private static final int INT = 'i';
    private static final int LONG = 'l';
    private static final int UNICODE = 'u';
    private static final int TUPLE = '(';
    private static final int LIST = '[';
    private static final int DICT = '{';
    /** Set on a type byte by version 3 and later for objects that may be referred back to; never in version 2. */
    private static final int FLAG_REF = 0x80;
    private static final int MAX_DEPTH = 64;

    private Marshal() {
    }

    /** Writes one value; {@link #bytes()} gives the body. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

        Writer none() {
            out.write(NONE);
            return this;
        }

        Writer bool(boolean b) {
            out.write(b ? TRUE : FALSE);
            return this;
        }

        Writer integer(long v) {
            if (v == (int) v) {
                out.write(INT);
                int32((int) v);
                return this;
            }
            // Larger magnitudes: a signed count of 15-bit digits, then the digits of |v|, least significant first.
            // |Long.MIN_VALUE| does not fit a long; as an unsigned value it still has the right digits.
            long magnitude = Math.abs(v);
            int digits = 0;
            for (long m = magnitude; m != 0; m >>>= 15) {
                digits++;
            }
            out.write(LONG);
            int32(v < 0 ? -digits : digits);
            for (long m = magnitude; m != 0; m >>>= 15) {
                int d = (int) (m & 0x7fff);
                out.write(d & 0xff);
                out.write(d >>> 8);
            }
            return this;
        }

        Writer string(String s) {
            byte[] utf8 = utf8SurrogatePass(s);
            out.write(UNICODE);
            int32(utf8.length);
            out.write(utf8, 0, utf8.length);
            return this;
        }

        Writer list(int size) {
            out.write(LIST);
            int32(size);
            return this;
        }

        /** Starts a dict: then key and value pairs ({@link #key}, a value), then {@link #endDict}. */
        Writer dict() {
            out.write(DICT);
            return this;
        }

        Writer key(String name) {
            return string(name);
        }

        Writer endDict() {
            out.write(NULL);
            return this;
        }

        private void int32(int v) {
            out.write(v & 0xff);
            out.write((v >>> 8) & 0xff);
            out.write((v >>> 16) & 0xff);
            out.write(v >>> 24);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /**
     * Reads one value: null, Boolean, Long, String, List (lists and tuples) or Map with String keys (insertion
     * order kept). Anything else, or a body with bytes left over, is an error naming the byte.
     */
    static Object read(byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        Object value = value(in, 0);
        if (in.hasRemaining()) {
            throw bad(in.position(), "bytes left over after the value");
        }
        return value;
    }

    private static Object value(ByteBuffer in, int depth) {
        if (depth > MAX_DEPTH) {
            throw bad(in.position(), "nested deeper than " + MAX_DEPTH);
        }
        if (!in.hasRemaining()) {
            throw bad(in.position(), "the body ends in the middle of a value");
        }
        int at = in.position();
        int type = in.get() & 0xff;
        if ((type & FLAG_REF) != 0) {
            throw bad(at, "an object reference (marshal version 3 or later; the stub writes version " + VERSION + ")");
        }
        try {
            switch (type) {
                case NONE:
                    return null;
                case TRUE:
                    return Boolean.TRUE;
                case FALSE:
                    return Boolean.FALSE;
                case INT:
                    return (long) in.getInt();
                case LONG:
                    return longValue(in, at);
                case UNICODE: {
                    int n = size(in, at);
                    String s = decodeSurrogatePass(in.array(), in.position(), n);
                    in.position(in.position() + n);
                    return s;
                }
                case TUPLE:
                case LIST: {
                    int n = size(in, at);
                    List<Object> items = new ArrayList<>(Math.min(n, in.remaining()));
                    for (int i = 0; i < n; i++) {
                        items.add(value(in, depth + 1));
                    }
                    return items;
                }
                case DICT: {
                    Map<String, Object> map = new LinkedHashMap<>();
                    while (true) {
                        if (in.hasRemaining() && in.get(in.position()) == NULL) {
                            in.get();
                            return map;
                        }
                        int keyAt = in.position();
                        if (!(value(in, depth + 1) instanceof String key)) {
                            throw bad(keyAt, "a dict key that is not a string");
                        }
                        map.put(key, value(in, depth + 1));
                    }
                }
                default:
                    throw bad(at, "unsupported marshal type '" + (char) type + "' (0x" + Integer.toHexString(type) + ")");
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw bad(at, "the body ends in the middle of a value");
        }
    }

    /**
     * UTF-8 as Python's "surrogatepass" writes it: a lone surrogate (a file name Python decoded with surrogateescape,
     * say) is kept as its own 3-byte sequence instead of being replaced, so that it survives the trip.
     */
    static byte[] utf8SurrogatePass(String s) {
        if (!hasLoneSurrogate(s)) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() * 3);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i); // a lone surrogate comes back as itself
            i += Character.charCount(c);
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                out.write(0xe0 | (c >>> 12));
                out.write(0x80 | ((c >>> 6) & 0x3f));
                out.write(0x80 | (c & 0x3f));
            } else {
                byte[] b = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toByteArray();
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** The reverse of {@link #utf8SurrogatePass}; other malformed bytes become U+FFFD, as Java's decoder makes them. */
    static String decodeSurrogatePass(byte[] b, int from, int length) {
        int end = from + length;
        boolean encodedSurrogate = false;
        for (int i = from; i + 2 < end; i++) {
            if ((b[i] & 0xff) == 0xed && (b[i + 1] & 0xe0) == 0xa0) { // ED A0..BF: U+D800..U+DFFF
                encodedSurrogate = true;
                break;
            }
        }
        if (!encodedSurrogate) {
            return new String(b, from, length, StandardCharsets.UTF_8);
        }
        StringBuilder text = new StringBuilder(length);
        int run = from; // start of the bytes not yet decoded
        for (int i = from; i + 2 < end; ) {
            if ((b[i] & 0xff) == 0xed && (b[i + 1] & 0xe0) == 0xa0 && (b[i + 2] & 0xc0) == 0x80) {
                text.append(new String(b, run, i - run, StandardCharsets.UTF_8));
                text.append((char) (0xd000 | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f)));
                i += 3;
                run = i;
            } else {
                i++;
            }
        }
        return text.append(new String(b, run, end - run, StandardCharsets.UTF_8)).toString();
    }

    private static Long longValue(ByteBuffer in, int at) {
        int n = in.getInt();
        int digits = n == Integer.MIN_VALUE ? Integer.MAX_VALUE : Math.abs(n);
        if (digits > 5) { // 5 digits of 15 bits: 75 bits, the most any 64-bit value needs
            throw bad(at, "an integer of " + digits + " 15-bit digits, too large for 64 bits");
        }
        long magnitude = 0;
        for (int i = 0; i < digits; i++) {
            long d = in.getShort() & 0xffff;
            if (d > 0x7fff) {
                throw bad(at, "an integer digit above 15 bits");
            }
            if (i == 4 && d > 0xf) { // the fifth digit holds bits 60 to 74
                throw bad(at, "an integer too large for 64 bits");
            }
            magnitude |= d << (15 * i);
        }
        // Up to 2^64 - 1 so far; only -2^63 may be as large as 2^63.
        if (magnitude < 0 && !(n < 0 && magnitude == Long.MIN_VALUE)) {
            throw bad(at, "an integer too large for 64 bits");
        }
        return n < 0 ? -magnitude : magnitude;
    }

    private static int size(ByteBuffer in, int at) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw bad(at, "a length of " + n + " with " + in.remaining() + " bytes left");
        }
        return n;
    }

    private static TpbException bad(int offset, String what) {
        return new TpbException("the stub sent a message tpb cannot read: " + what + " at byte " + offset);
    }
}
