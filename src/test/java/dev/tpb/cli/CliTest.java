package dev.tpb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.testing.Tpb;
import org.junit.jupiter.api.Test;

class CliTest {
    @Test
    void versionNamesTpbAndJava() {
        Tpb r = Tpb.run("--version");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().startsWith("tpb "), r::toString);
        assertTrue(r.out().contains("Java " + System.getProperty("java.version")), r::toString);
    }

    @Test
    void unknownCommandIsAUsageErrorOnOneLine() {
        Tpb r = Tpb.run("nope");
        assertEquals(2, r.exitCode(), r::toString);
        assertEquals("", r.out());
        assertEquals("tpb: error: unknown command 'nope' for 'tpb' (see 'tpb --help')\n", r.err());
    }

    @Test
    void misspelledCommandGetsASuggestion() {
        Tpb r = Tpb.run("complet");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("did you mean 'completion'?"), r::toString);
    }

    @Test
    void unknownOptionIsAUsageErrorNamingTheOption() {
        Tpb r = Tpb.run("completion", "--frobnicate", "bash");
        assertEquals(2, r.exitCode(), r::toString);
        assertEquals(1, r.err().lines().count(), r::toString);
        assertTrue(r.err().startsWith("tpb: error: unknown option '--frobnicate' for 'tpb completion'"), r::toString);
    }

    @Test
    void badEnumValueIsAUsageError() {
        Tpb r = Tpb.run("completion", "powershell");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("'powershell'") && r.err().contains("bash, zsh, fish"), r::toString);
    }

    @Test
    void bareTpbShowsUsageAndIsAUsageError() {
        Tpb r = Tpb.run();
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("Usage: tpb"), r::toString);
        assertTrue(r.err().contains("completion"), r::toString);
    }

    @Test
    void helpIsAvailableOnEverySubcommand() {
        Tpb r = Tpb.run("completion", "--help");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("Usage: tpb completion"), r::toString);
    }

    @Test
    void globalOptionsAreAcceptedAfterTheSubcommand() {
        Tpb r = Tpb.run("completion", "-q", "--no-color", "-v", "fish");
        assertEquals(0, r.exitCode(), r::toString);
        assertFalse(r.out().isEmpty());
    }

    @Test
    void noColourWhenOutputIsNotATerminal() {
        Tpb r = Tpb.run("nope");
        assertFalse(r.err().contains("\u001b["), r::toString);
    }
}
