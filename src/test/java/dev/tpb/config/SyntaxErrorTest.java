package dev.tpb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tpb.TpbException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Syntax errors: {@code path:line:col: message}, the line and a caret, in protobuf's words. */
class SyntaxErrorTest {
    private static ConfigSyntaxException error(String text) {
        return assertThrows(ConfigSyntaxException.class, () -> ConfigDocument.parse(text, "config.pbtxt"));
    }

    @Test
    void messageNamesTheFileLineAndColumnAndShowsTheLineWithACaret() {
        ConfigSyntaxException e = error("name: \"t\"\nmax_batch_size: ${triton_max_batch_size}\n");
        assertEquals("config.pbtxt:2:17: Expected integer, got: $ (unfilled template placeholder "
                + "${triton_max_batch_size}: fill it in, e.g. with fill_template.py, before Triton reads the file)\n"
                + "max_batch_size: ${triton_max_batch_size}\n"
                + "                ^", e.getMessage());
        assertEquals(2, e.line());
        assertEquals(17, e.column());
        assertEquals("config.pbtxt", e.file());
    }

    @Test
    void isATpbException() {
        TpbException e = assertThrows(TpbException.class, () -> ConfigDocument.parse("}", "x"));
        assertEquals("x:1:1: Expected identifier, got: }\n}\n^", e.getMessage());
    }

    @Test
    void caretKeepsTabsSoItLinesUp() {
        ConfigSyntaxException e = error("input {\n\tdims [4]\n}\n".replace("dims [4]", "dims: [4,]"));
        assertEquals("config.pbtxt:2:11: Expected integer, got: ]\n\tdims: [4,]\n\t         ^", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // input | line:col | message
        "`// comment`|1:1|Expected identifier, got: /",
        "`name: \"a`|1:9|Unexpected end of string.",
        "`name: \"a\nb\"`|1:9|String literals cannot cross line boundaries.",
        "`name: \"\\q\"`|1:9|Invalid escape sequence in string literal.",
        "`name: \"\\u12\"`|1:10|Expected four hex digits for \\u escape sequence.",
        "`name: \"\\U00110000\"`|1:10|Expected eight hex digits up to 10ffff for \\U escape sequence",
        "`max_batch_size: 4x`|1:18|Need space between number and identifier.",
        "`max_batch_size: 08`|1:18|Numbers starting with leading zero must be in octal.",
        "`max_batch_size: 0x`|1:19|\"0x\" must be followed by hex digits.",
        "`max_batch_size: 1e`|1:19|\"e\" must be followed by exponent.",
        "`backend \"python\"`|1:9|Expected \":\", found \"\"python\"\".",
        "`parameters: { key: \"E\" value: /mnt/env.tar.gz }`|1:31|Expected \"{\", found \"/\".",
        "`input { name: \"x\"`|1:18|Expected \"}\", found end of file (the message opened at 1:7 is not closed).",
        "`input { name: \"x\" >`|1:19|Expected \"}\", found \">\".",
        "`input [ { name: \"x\" } { } ]`|1:23|Expected \"]\", found \"{\".",
        "`name: \"x\";;`|1:11|Expected identifier, got: ;",
        "`input { dims: [1, ] }`|1:19|Expected integer, got: ]",
        "`name:`|1:6|Expected string, got: end of file",
        "`max_batch_size: - \"x\"`|1:19|Expected integer, got: \"x\"",
        "`name: -\"x\"`|1:8|Expected string, got: \"x\"",
        "`1: 2`|1:1|Expected identifier, got: 1",
        "`[ext.field]: 1`|1:1|Expected identifier, got: [",
    })
    void protobufWording(String input, String position, String message) {
        ConfigSyntaxException e = error(input);
        assertEquals(position, e.line() + ":" + e.column(), e::getMessage);
        assertEquals(message, e.detail());
    }

    @Test
    void controlCharactersOutsideStringsAreRejected() {
        ConfigSyntaxException e = error("name: \"a\"\u0001");
        assertEquals("Invalid control characters encountered in text.", e.detail());
        assertEquals(10, e.column());
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() {
        ConfigSyntaxException e = error("a " + "{ b ".repeat(5000));
        assertEquals("Message is too deep, the parser exceeded the configured recursion limit of 100.", e.detail());
    }

    @Test
    void fileErrorsNameThePath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.pbtxt");
        Files.write(file, new byte[] {'n', 'a', 'm', 'e', ':', ' ', '"', (byte) 0xff, '"'});
        ConfigSyntaxException e = assertThrows(ConfigSyntaxException.class, () -> ConfigDocument.parse(file));
        assertEquals(file + ":1:8: The file is not valid UTF-8 (byte 0xff).", e.getMessage().lines().findFirst()
                .orElseThrow());
        TpbException missing = assertThrows(TpbException.class, () -> ConfigDocument.parse(dir.resolve("nope")));
        assertEquals("cannot read " + dir.resolve("nope") + ": no such file or directory", missing.getMessage());
    }

    @Test
    void byteOrderMarkIsRejectedAsTritonWould() {
        ConfigSyntaxException e = error("\uFEFFname: \"x\"");
        assertEquals(1, e.column());
    }
}
