package dev.tpb.config;

import java.util.List;

/** A node of the syntax tree: its elements (tokens, including whitespace and comments, and child nodes) in order. */
public abstract sealed class Node implements SyntaxElement permits FieldNode, MessageNode, ListNode, ScalarNode {
    private final List<SyntaxElement> elements;
    private final int start;
    private final int end;

    Node(List<SyntaxElement> elements, int emptyOffset) {
        this.elements = List.copyOf(elements);
        this.start = this.elements.isEmpty() ? emptyOffset : this.elements.get(0).start();
        this.end = this.elements.isEmpty() ? emptyOffset : this.elements.get(this.elements.size() - 1).end();
    }

    public List<SyntaxElement> elements() {
        return elements;
    }

    @Override
    public int start() {
        return start;
    }

    @Override
    public int end() {
        return end;
    }

    @Override
    public void print(StringBuilder out) {
        for (SyntaxElement element : elements) {
            element.print(out);
        }
    }

    /** The first token that is not whitespace or a comment (what an error about this node points at). */
    public Token firstToken() {
        for (SyntaxElement element : elements) {
            if (element instanceof Token token && !token.isTrivia()) {
                return token;
            }
            if (element instanceof Node node) {
                return node.firstToken();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        print(out);
        return out.toString();
    }
}
