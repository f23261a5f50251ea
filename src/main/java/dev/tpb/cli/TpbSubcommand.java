package dev.tpb.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Base of every subcommand: gives it the console; the subcommand parses, calls one capability, prints. */
public abstract class TpbSubcommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    protected Console console() {
        return ((TpbCommand) spec.root().userObject()).console();
    }

    @Override
    public final Integer call() throws Exception {
        return run();
    }

    /** Returns the exit status: 0 success, 1 failure. Throw {@link dev.tpb.TpbException} for errors. */
    protected abstract int run() throws Exception;
}
