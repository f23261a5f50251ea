package dev.tpb.env;

import dev.tpb.TpbException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The files pack-env adds: bin/activate, bin/deactivate, the site customisation and the fallback wrapper. */
final class Scripts {
    private Scripts() {
    }

    /** bin/activate; conda envs get CONDA_PREFIX (their hooks read it), the others VIRTUAL_ENV. */
    static byte[] activate(EnvKind kind) {
        String var = kind == EnvKind.CONDA ? "CONDA_PREFIX" : "VIRTUAL_ENV";
        return bytes(resource("activate.sh").replace("@ENV_VAR@", var));
    }

    static byte[] deactivate() {
        return bytes(resource("deactivate.sh"));
    }

    /** tpb's site customisation, followed by the environment's own stdlib-level one when it had one. */
    static byte[] sitecustomize(String existing) {
        String ours = resource("sitecustomize.py");
        if (existing == null || existing.contains(EnvInspector.SITE_MARKER)) {
            return bytes(ours);
        }
        return bytes(ours + "\n# The environment's own sitecustomize.py, kept by tpb pack-env:\n" + existing);
    }

    /**
     * bin/python3.X when the interpreter binary cannot be made to find lib/ by itself: puts lib/ on the
     * library path and runs the real binary, which sits beside it.
     */
    static byte[] interpreterWrapper(String realName) {
        // Pure shell (no readlink/dirname): it must work with nothing but the env's bin/ on PATH. Its links
        // (python3, python) live in the same bin/, so the directory part of $0 is the right one either way.
        return bytes("#!/bin/sh\n"
                + "# Written by tpb pack-env: the interpreter needs this environment's lib/ on the library path,\n"
                + "# and its binary had no room to record that itself.\n"
                + "case $0 in */*) bin=${0%/*} ;; *) bin=. ;; esac\n"
                + "LD_LIBRARY_PATH=\"$bin/../lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\" exec \"$bin/" + realName
                + "\" \"$@\"\n");
    }

    private static String resource(String name) {
        try (InputStream in = Scripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new TpbException("tpb's jar lacks " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TpbException("cannot load " + name + " from tpb's jar: " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
