package dev.tpb.config;

/** A token or a node of the lossless syntax tree; printing every element in order gives the file back. */
public sealed interface SyntaxElement permits Token, Node, ValueNode {
    /** Offset of the first character. */
    int start();

    /** Offset just past the last character. */
    int end();

    void print(StringBuilder out);
}
