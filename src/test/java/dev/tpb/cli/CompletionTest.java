package dev.tpb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tpb.testing.Proc;
import dev.tpb.testing.Tpb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The checked-in scripts equal what the command prints, and real shells complete with them. */
class CompletionTest {
    private static final Path DIR = Path.of("completions");

    @ParameterizedTest
    @CsvSource({"bash, tpb.bash", "zsh, _tpb", "fish, tpb.fish"})
    void checkedInScriptIsUpToDate(String shell, String file) throws IOException {
        Tpb r = Tpb.run("completion", shell);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(r.out(), Files.readString(DIR.resolve(file)),
                "completions/" + file + " is stale: regenerate it with scripts/regen-completions");
    }

    /** Candidates bash offers for a command line, computed by the real completion function in real bash. */
    private static List<String> bashComplete(String line) {
        String script = String.join("\n",
                "source completions/tpb.bash",
                "line=" + shellQuote(line),
                "read -r -a COMP_WORDS <<< \"$line\"",
                "[[ \"$line\" == *' ' ]] && COMP_WORDS+=('')",
                "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))",
                "COMP_LINE=\"$line\"; COMP_POINT=${#COMP_LINE}",
                "fn=$(complete -p tpb | sed -E 's/.* -F ([^ ]+) .*/\\1/')",
                "\"$fn\" tpb \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\" 2>/dev/null",
                "printf '%s\\n' \"${COMPREPLY[@]}\"");
        Proc p = Proc.run("bash", "--norc", "--noprofile", "-c", script);
        assertEquals(0, p.exitCode(), p::toString);
        return p.out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    @Test
    void bashCompletesTheCompletionCommand() {
        assertEquals(List.of("completion"), bashComplete("tpb comp"));
    }

    @Test
    void bashCompletesSubcommandOptionsAndValues() {
        List<String> options = bashComplete("tpb completion --");
        assertTrue(options.containsAll(List.of("--help", "--quiet", "--verbose", "--no-color")), options::toString);
        assertEquals(List.of("bash", "zsh", "fish"), bashComplete("tpb completion "));
    }

    @Test
    void fishCompletesWithTheScript() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/fish")), "fish is not installed (.ci/run installs it)");
        Proc p = Proc.run("fish", "--no-config", "-c",
                "source completions/tpb.fish; complete -C'tpb comp'; echo SEPARATOR; complete -C'tpb completion '");
        assertEquals(0, p.exitCode(), p::toString);
        String[] parts = p.out().split("SEPARATOR\n");
        assertTrue(parts[0].startsWith("completion\t"), p::toString);
        assertEquals(List.of("bash", "fish", "zsh"),
                parts[1].lines().map(l -> l.split("\t")[0]).sorted().toList(), p::toString);
    }

    @Test
    void zshLoadsTheScript() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/zsh")), "zsh is not installed (.ci/run installs it)");
        Proc p = Proc.run("zsh", "-f", "-c",
                "autoload -U compinit && compinit -u -D && source completions/_tpb && print -r -- $_comps[tpb]");
        assertEquals(0, p.exitCode(), p::toString);
        assertEquals("_tpb", p.out().strip(), p::toString);
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
