package dev.tpb.config;

/** What follows a field name (and its optional colon): a message, a list or a scalar. */
public sealed interface ValueNode extends SyntaxElement permits MessageNode, ListNode, ScalarNode {
}
