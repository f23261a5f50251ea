package dev.tpb.testing;

import dev.tpb.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the tpb command line in this JVM, as a user would type it, and keeps its output and exit status. */
public record Tpb(int exitCode, String out, String err) {
    static {
        // Commands run here keep their cache (stubs, extracted environments) in the tests' temporary directory.
        if (System.getProperty("tpb.cache.dir") == null) {
            System.setProperty("tpb.cache.dir", TestStubs.cacheDir().toString());
        }
    }

    public static Tpb run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Tpb(code, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
}
