package dev.tpb.ipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.TpbException;
import dev.tpb.python.PythonInstall;
import dev.tpb.testing.Proc;
import dev.tpb.testing.Pythons;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * EXECUTE and EXECUTE_RESULT are Python marshal (version 2): what tpb writes, every Python the stub supports reads as
 * the same value, and what those Pythons write, tpb reads as the same value.
 */
class MarshalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEXT = "ünïcødé ✓ 𝄞 \"quoted\" \\ \n";
    /** The value both sides build: every type and integer range the protocol uses. */
    private static final String PYTHON_VALUE = "{'none': None, 'yes': True, 'no': False, 'ints': [0, 1, -1, 2**31 - 1,"
            + " -2**31, 2**31, -2**31 - 1, 2**45 + 7, 2**63 - 1, -2**63], 'empty': '', 'text': " + pyString(TEXT)
            + ", 'list': [[], [1, [2, 'x']]], 'tuple': (1, 'a'), 'dict': {'a': {}, 'b': {'c': [None]}}}";

    static Stream<PythonInstall> pythons() {
        return Pythons.stubCapable().stream();
    }

    private static byte[] javaValue() {
        Marshal.Writer w = new Marshal.Writer();
        w.dict().key("none").none().key("yes").bool(true).key("no").bool(false);
        long[] ints = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 31, -(1L << 31) - 1, (1L << 45) + 7,
            Long.MAX_VALUE, Long.MIN_VALUE};
        w.key("ints").list(ints.length);
        for (long v : ints) {
            w.integer(v);
        }
        w.key("empty").string("").key("text").string(TEXT);
        w.key("list").list(2).list(0).list(2).integer(1).list(2).integer(2).string("x");
        w.key("tuple").list(2).integer(1).string("a");
        w.key("dict").dict().key("a").dict().endDict().key("b").dict().key("c").list(1).none().endDict().endDict();
        return w.endDict().bytes();
    }

    @ParameterizedTest(name = "Python {0}")
    @MethodSource("pythons")
    void pythonReadsWhatTpbWrites(PythonInstall python, @TempDir Path dir) throws Exception {
        Path body = dir.resolve("body");
        Files.write(body, javaValue());
        String program = "import json, marshal, sys\n"
                + "value = marshal.loads(open(sys.argv[1], 'rb').read())\n"
                + "assert value == json.loads(json.dumps(" + PYTHON_VALUE + ")), value\n" // tpb writes no tuples
                + "print(json.dumps(value))\n";
        Proc p = Proc.run(python.executable().toString(), "-c", program, body.toString());
        assertEquals(0, p.exitCode(), p::toString);
        assertEquals(JSON.readTree(pythonJson(python)), JSON.readTree(p.out()));
    }

    @ParameterizedTest(name = "Python {0}")
    @MethodSource("pythons")
    void tpbReadsWhatPythonWrites(PythonInstall python, @TempDir Path dir) throws Exception {
        Path body = dir.resolve("body");
        Proc p = Proc.run(python.executable().toString(), "-c",
                "import marshal, sys\nopen(sys.argv[1], 'wb').write(marshal.dumps(" + PYTHON_VALUE + ", 2))\n",
                body.toString());
        assertEquals(0, p.exitCode(), p::toString);
        Object value = Marshal.read(Files.readAllBytes(body));
        assertEquals(JSON.readTree(pythonJson(python)), JSON.readTree(JSON.writeValueAsString(value)));
    }

    @ParameterizedTest(name = "Python {0}")
    @MethodSource("pythons")
    void loneSurrogatesSurviveBothWays(PythonInstall python, @TempDir Path dir) throws Exception {
        // What Python makes of undecodable bytes in a file name (surrogateescape), e.g. in a traceback.
        String text = "caf\udce9 \ud800 ok \ud83d\ude00";
        Path fromJava = dir.resolve("from-java");
        Files.write(fromJava, new Marshal.Writer().string(text).bytes());
        Path fromPython = dir.resolve("from-python");
        String expected = "'caf\\udce9 \\ud800 ok \\U0001f600'";
        Proc p = Proc.run(python.executable().toString(), "-c", "import marshal, sys\n"
                + "value = marshal.loads(open(sys.argv[1], 'rb').read())\n"
                + "assert value == " + expected + ", ascii(value)\n"
                + "open(sys.argv[2], 'wb').write(marshal.dumps(" + expected + ", 2))\n", fromJava.toString(),
                fromPython.toString());
        assertEquals(0, p.exitCode(), p::toString);
        assertEquals(text, Marshal.read(Files.readAllBytes(fromPython)));
    }

    @Test
    void whatTheProtocolDoesNotUseIsAClearError(@TempDir Path dir) throws Exception {
        PythonInstall python = Pythons.stubCapable().get(0);
        // A float, an integer beyond 64 bits, and version 4's references and short strings.
        for (String value : List.of("marshal.dumps(1.5, 2)", "marshal.dumps(2**64, 2)", "marshal.dumps(-2**63 - 1, 2)",
                "marshal.dumps(['abc', 'abc'], 4)")) {
            Proc p = Proc.run(python.executable().toString(), "-c",
                    "import base64, marshal\nprint(base64.b64encode(" + value + ").decode())");
            assertEquals(0, p.exitCode(), p::toString);
            byte[] bytes = Base64.getDecoder().decode(p.out().trim());
            TpbException e = assertThrows(TpbException.class, () -> Marshal.read(bytes), value);
            assertTrue(e.getMessage().startsWith("the stub sent a message tpb cannot read: "), e.getMessage());
            assertTrue(e.getMessage().contains(" at byte "), e.getMessage());
        }
        byte[] whole = javaValue();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 3);
        TpbException e = assertThrows(TpbException.class, () -> Marshal.read(cut));
        assertTrue(e.getMessage().contains("ends in the middle of a value"), e.getMessage());
        byte[] extra = java.util.Arrays.copyOf(whole, whole.length + 1);
        extra[whole.length] = 'N';
        e = assertThrows(TpbException.class, () -> Marshal.read(extra));
        assertTrue(e.getMessage().contains("bytes left over"), e.getMessage());
    }

    /** The value as JSON, from the Python itself (tuples become lists, as tpb reads them). */
    private static String pythonJson(PythonInstall python) {
        Proc p = Proc.run(python.executable().toString(), "-c", "import json\nprint(json.dumps(" + PYTHON_VALUE + "))");
        assertEquals(0, p.exitCode(), p::toString);
        return p.out();
    }

    private static String pyString(String s) {
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            b.append(c < 128 && c >= 32 && c != '\'' && c != '\\' ? String.valueOf((char) c)
                    : String.format("\\U%08x", c));
        }
        return b.append('\'').toString();
    }
}
