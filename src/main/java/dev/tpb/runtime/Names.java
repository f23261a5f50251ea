package dev.tpb.runtime;

import dev.tpb.TpbException;

/** Names that end up in a stub's command line and a /dev/shm name, checked as Triton (r25.08+) checks them. */
final class Names {
    private static final String INVALID = ";|&$`<>()[]{}\\\"'*?~#!";

    private Names() {
    }

    static void checkStubName(String name) {
        if (!valid(name)) {
            throw new TpbException("Invalid stub name: contains invalid characters ('" + name + "' may not contain any of "
                    + INVALID + " or whitespace)");
        }
    }

    static boolean valid(String name) {
        for (char c : name.toCharArray()) {
            if (INVALID.indexOf(c) >= 0 || Character.isWhitespace(c) || c == '/') {
                return false;
            }
        }
        return !name.isEmpty();
    }
}
