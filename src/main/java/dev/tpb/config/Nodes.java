package dev.tpb.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reading values out of the syntax tree without the schema (for accessors that need one field). */
final class Nodes {
    private Nodes() {
    }

    /** Every value of a field in order: each occurrence, with list elements taken one by one. */
    static List<ValueNode> values(MessageNode parent, String name) {
        List<ValueNode> values = new ArrayList<>();
        for (FieldNode field : parent.fields(name)) {
            if (field.value() instanceof ListNode list) {
                values.addAll(list.items());
            } else {
                values.add(field.value());
            }
        }
        return values;
    }

    static List<MessageNode> messages(MessageNode parent, String name) {
        List<MessageNode> messages = new ArrayList<>();
        for (ValueNode value : values(parent, name)) {
            if (value instanceof MessageNode message) {
                messages.add(message);
            }
        }
        return messages;
    }

    static Optional<String> lastString(MessageNode parent, String name) {
        List<ValueNode> values = values(parent, name);
        for (int i = values.size() - 1; i >= 0; i--) {
            if (values.get(i) instanceof ScalarNode scalar && scalar.kind() == ScalarNode.Kind.STRING) {
                return Optional.of(scalar.stringValue());
            }
        }
        return Optional.empty();
    }

    static Optional<MessageNode> lastMessage(MessageNode parent, String name) {
        List<MessageNode> messages = messages(parent, name);
        return messages.isEmpty() ? Optional.empty() : Optional.of(messages.get(messages.size() - 1));
    }
}
