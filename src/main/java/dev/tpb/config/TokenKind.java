package dev.tpb.config;

/** What a token is. Whitespace, newlines and comments are tokens too, so printing the tokens gives the file. */
public enum TokenKind {
    /** Spaces, tabs, carriage returns and form feeds within a line. */
    WHITESPACE,
    /** {@code \n}, or {@code \r\n}. */
    NEWLINE,
    /** {@code #} up to the end of the line (without the line break). */
    COMMENT,
    IDENTIFIER,
    INTEGER,
    FLOAT,
    /** One quoted literal, quotes included. Adjacent literals are separate tokens. */
    STRING,
    /** Any other single character: {@code { } < > [ ] : , ; -} and the characters that are errors. */
    SYMBOL;

    public boolean isTrivia() {
        return this == WHITESPACE || this == NEWLINE || this == COMMENT;
    }
}
