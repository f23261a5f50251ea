package dev.tpb.testing;

import dev.tpb.Reporter;
import dev.tpb.runtime.StubOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** What a runtime reports and what its stubs print, kept for a test to look at (and echoed to stderr). */
public final class Captured implements Reporter, StubOutput {
    private final List<String> lines = new ArrayList<>();

    private synchronized void add(String line) {
        lines.add(line);
        notifyAll();
        System.err.println(line);
    }

    @Override
    public void info(String message) {
        add("info: " + message);
    }

    @Override
    public void warn(String message) {
        add("warn: " + message);
    }

    @Override
    public void debug(String message) {
        add("debug: " + message);
    }

    @Override
    public void line(String stub, String line) {
        add("[" + stub + "] " + line);
    }

    public synchronized List<String> lines() {
        return new ArrayList<>(lines);
    }

    /** Waits (at most 30 s) for a line that matches; fails the test without one. */
    public synchronized String await(Predicate<String> matches, String what) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            for (String l : lines) {
                if (matches.test(l)) {
                    return l;
                }
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("no line " + what + " in:\n" + String.join("\n", lines));
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
