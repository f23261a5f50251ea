package dev.tpb.config;

/** A piece of the file: its kind, its exact text and where it starts. */
public record Token(TokenKind kind, String text, int offset) implements SyntaxElement {
    public int end() {
        return offset + text.length();
    }

    public boolean isTrivia() {
        return kind.isTrivia();
    }

    public boolean is(String symbol) {
        return kind == TokenKind.SYMBOL && text.equals(symbol);
    }

    @Override
    public int start() {
        return offset;
    }

    @Override
    public void print(StringBuilder out) {
        out.append(text);
    }
}
