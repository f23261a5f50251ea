package dev.tpb.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A scalar as written: a number (with an optional {@code -}), an identifier ({@code true}, {@code KIND_CPU},
 * {@code inf}) or one or more adjacent string literals, with any whitespace or comments between the pieces.
 */
public final class ScalarNode extends Node implements ValueNode {
    public enum Kind { STRING, INTEGER, FLOAT, IDENTIFIER }

    private final Kind kind;
    private final boolean negative;
    private final List<Token> valueTokens;

    ScalarNode(List<SyntaxElement> elements, Kind kind, boolean negative) {
        super(elements, 0);
        this.kind = kind;
        this.negative = negative;
        List<Token> tokens = new ArrayList<>();
        for (SyntaxElement element : elements) {
            if (element instanceof Token token && !token.isTrivia() && !token.is("-")) {
                tokens.add(token);
            }
        }
        this.valueTokens = List.copyOf(tokens);
    }

    public Kind kind() {
        return kind;
    }

    /** Written with a leading {@code -}. */
    public boolean negative() {
        return negative;
    }

    /** The number or identifier token, or every string literal in order. */
    public List<Token> valueTokens() {
        return valueTokens;
    }

    /** The number or identifier as written, without the sign; for strings the first literal with its quotes. */
    public String text() {
        return valueTokens.get(0).text();
    }

    /** The decoded value of a string scalar (adjacent literals concatenated, escapes applied). */
    public String stringValue() {
        StringBuilder out = new StringBuilder();
        for (Token token : valueTokens) {
            out.append(StringLiterals.decode(token.text()));
        }
        return out.toString();
    }
}
