package dev.tpb.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A message: the whole file (no delimiters) or {@code { ... }} / {@code < ... >}. Its elements are the open
 * delimiter, the fields with the separators ({@code ,} {@code ;}) and trivia between them, and the close delimiter.
 */
public final class MessageNode extends Node implements ValueNode {
    private final Token open;
    private final Token close;
    private final List<FieldNode> fields;

    MessageNode(List<SyntaxElement> elements, Token open, Token close, int emptyOffset) {
        super(elements, emptyOffset);
        this.open = open;
        this.close = close;
        List<FieldNode> found = new ArrayList<>();
        for (SyntaxElement element : elements) {
            if (element instanceof FieldNode field) {
                found.add(field);
            }
        }
        this.fields = List.copyOf(found);
    }

    /** {@code {} or {@code <}; null for the top level of the file. */
    public Token open() {
        return open;
    }

    public Token close() {
        return close;
    }

    public List<FieldNode> fields() {
        return fields;
    }

    public List<FieldNode> fields(String name) {
        List<FieldNode> named = new ArrayList<>();
        for (FieldNode field : fields) {
            if (field.name().equals(name)) {
                named.add(field);
            }
        }
        return named;
    }

    public boolean isRoot() {
        return open == null;
    }
}
