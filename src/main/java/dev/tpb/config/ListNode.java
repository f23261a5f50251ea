package dev.tpb.config;

import java.util.ArrayList;
import java.util.List;

/** {@code [ a, b ]}: the elements are scalars or messages, separated by commas. */
public final class ListNode extends Node implements ValueNode {
    private final List<ValueNode> items;

    ListNode(List<SyntaxElement> elements) {
        super(elements, 0);
        List<ValueNode> found = new ArrayList<>();
        for (SyntaxElement element : elements) {
            if (element instanceof ValueNode value) {
                found.add(value);
            }
        }
        this.items = List.copyOf(found);
    }

    public List<ValueNode> items() {
        return items;
    }

    public Token open() {
        return (Token) elements().get(0);
    }

    public Token close() {
        return (Token) elements().get(elements().size() - 1);
    }
}
