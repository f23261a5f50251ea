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

    /** A model name a load or unload request may give (core's ValidateModelName). */
    static void checkRepositoryName(String name) {
        if (name.isEmpty()) {
            throw new ModelControlException(ErrorCode.INVALID_ARG, "model name must not be empty");
        }
        if (name.isBlank()) {
            throw new ModelControlException(ErrorCode.INVALID_ARG,
                    "model name must not contain only whitespace characters");
        }
        if (name.contains("..") || name.contains("/") || name.indexOf('\0') >= 0) {
            throw new ModelControlException(ErrorCode.INVALID_ARG, "invalid model name '" + name
                    + "', model name must not contain path traversal characters");
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
