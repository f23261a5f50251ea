package dev.tpb.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class UnifiedDiffTest {
    @Test
    void equalTextsHaveNoDiff() {
        assertEquals("", UnifiedDiff.diff("a\n", "a\n", "x", "x"));
    }

    @Test
    void separateChangesGetSeparateHunksWithThreeLinesOfContext() {
        String before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
        String after = "1\nTWO\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n";
        assertEquals("--- a\n+++ b\n"
                + "@@ -1,5 +1,5 @@\n 1\n-2\n+TWO\n 3\n 4\n 5\n"
                + "@@ -10,3 +10,4 @@\n 10\n 11\n 12\n+13\n", UnifiedDiff.diff(before, after, "a", "b"));
    }

    @Test
    void aMissingLineBreakAtTheEndIsShown() {
        assertEquals("--- a\n+++ b\n@@ -1 +1,2 @@\n-x\n\\ No newline at end of file\n+x\n+y\n",
                UnifiedDiff.diff("x", "x\ny\n", "a", "b"));
    }

    @Test
    void insertionIntoAnEmptyFile() {
        assertEquals("--- a\n+++ b\n@@ -0,0 +1 @@\n+backend: \"python\"\n",
                UnifiedDiff.diff("", "backend: \"python\"\n", "a", "b"));
    }
}
