package dev.tpb.config;

import java.util.List;

/** {@code name: value}, {@code name value} or {@code name { ... }}: one occurrence of a field. */
public final class FieldNode extends Node {
    private final Token name;
    private final Token colon;
    private final ValueNode value;

    FieldNode(List<SyntaxElement> elements, Token name, Token colon, ValueNode value) {
        super(elements, name.offset());
        this.name = name;
        this.colon = colon;
        this.value = value;
    }

    public String name() {
        return name.text();
    }

    public Token nameToken() {
        return name;
    }

    /** The {@code :} after the name, or null when the file leaves it out. */
    public Token colon() {
        return colon;
    }

    public ValueNode value() {
        return value;
    }
}
