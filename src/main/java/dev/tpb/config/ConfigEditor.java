package dev.tpb.config;

import dev.tpb.TpbException;
import dev.tpb.UsageException;
import dev.tpb.config.FieldPath.Segment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Edits that touch only what they change. An edit is a list of splices on the original text (replace this span,
 * insert that text here); everything else, comments and layout included, stays byte for byte. New fields take the
 * file's indentation step, quote character and colon style, go next to the fields that precede them in
 * model_config.proto's order, and a new map entry ({@code parameters}) copies the layout of the last existing
 * entry. Comments outside the replaced value survive; a comment between adjacent string literals of a replaced
 * string is kept too.
 */
public final class ConfigEditor {
    private final ConfigDocument doc;
    private final SourceText source;
    private final String text;
    private final EditStyle style;
    private final List<Splice> splices = new ArrayList<>();
    private FieldPath path;

    private record Splice(int start, int end, String text) {
    }

    /** A field to write: a value text, or child fields (a message built from a path). */
    private record NewField(String name, String value, boolean message, List<NewField> children) {
        static NewField scalar(String name, String value) {
            return new NewField(name, value, false, null);
        }

        static NewField messageText(String name, String value) {
            return new NewField(name, value, true, null);
        }

        static NewField message(String name, List<NewField> children) {
            return new NewField(name, null, true, children);
        }
    }

    private ConfigEditor(ConfigDocument doc) {
        this.doc = doc;
        this.source = doc.source();
        this.text = source.text();
        this.style = EditStyle.of(doc);
    }

    /**
     * Sets a field to a value. {@code value} is what a user types: a string's content (tpb adds the quotes), an enum
     * name, a number, {@code true}/{@code false}; for repeated scalars {@code [4, -1]} or {@code 4,-1}; for messages
     * text format ({@code {kind: KIND_CPU count: 2}} or its body); for {@code parameters[KEY]} the string value.
     * Missing messages on the path are created. Throws {@link TpbException} (or {@link UsageException} for a bad
     * path) when the path or the value does not fit the schema.
     */
    public static ConfigDocument set(ConfigDocument doc, FieldPath path, String value) {
        ConfigEditor editor = new ConfigEditor(doc);
        editor.path = path;
        editor.setIn(doc.root(), ModelConfigSchema.MODEL_CONFIG, path.segments(), 0, value);
        return editor.apply();
    }

    /** Removes a field (every occurrence), a repeated element or a map entry. Absent: returns the same text. */
    public static ConfigDocument unset(ConfigDocument doc, FieldPath path) {
        ConfigEditor editor = new ConfigEditor(doc);
        editor.path = path;
        editor.unsetIn(doc.root(), ModelConfigSchema.MODEL_CONFIG, path.segments(), 0);
        return editor.apply();
    }

    /** Sets a {@code parameters} entry's {@code string_value}: updated in place, or a new entry in the file's style. */
    public static ConfigDocument setParameter(ConfigDocument doc, String key, String value) {
        return set(doc, new FieldPath("parameters[" + key + "]", List.of(new Segment("parameters", null, key))),
                value);
    }

    public static ConfigDocument removeParameter(ConfigDocument doc, String key) {
        return unset(doc, new FieldPath("parameters[" + key + "]", List.of(new Segment("parameters", null, key))));
    }

    // ---- set ----

    private void setIn(MessageNode m, MessageType type, List<Segment> segs, int i, String value) {
        Segment seg = segs.get(i);
        FieldDef def = field(type, seg, segs, i);
        boolean last = i == segs.size() - 1;
        if (def.isMap()) {
            String key = mapKey(seg);
            if (key == null) {
                if (!last) {
                    throw new UsageException(where(segs, i) + " is a map: name the key, e.g. " + def.name() + "[KEY]");
                }
                setWhole(m, type, def, value);
                return;
            }
            checkKey(def, key, segs, i);
            List<MessageNode> entries = mapEntries(m, def.name(), key);
            if (entries.isEmpty()) {
                insertMapEntry(m, type, def, key, segs, i, value);
            } else {
                for (MessageNode entry : entries) {
                    setIn(entry, def.messageType(), entryPath(def, segs, i), 0, value);
                }
            }
            return;
        }
        if (seg.hasSelector()) {
            if (!def.repeated()) {
                throw new UsageException(where(segs, i) + ": " + def.name() + " is not repeated, so it takes no [...]");
            }
            List<ValueNode> items = Nodes.values(m, def.name());
            List<ValueNode> targets = new ArrayList<>();
            if (seg.index() != null) {
                if (seg.index() > items.size()) {
                    throw new TpbException(where(segs, i) + " does not exist: " + describeCount(def, items));
                }
                if (seg.index() == items.size()) { // one past the end: a new element
                    checkOneof(m, type, def);
                    insertField(m, type, last ? leaf(type, def, value, true) : build(def, segs, i + 1, value));
                    return;
                }
                targets.add(items.get(seg.index()));
            } else {
                targets.addAll(named(def, items, seg.key(), segs, i));
            }
            for (ValueNode target : targets) {
                if (last) {
                    replaceNode(target, formatElementOrMessage(type, def, value));
                } else {
                    setIn(asMessage(target, segs, i), def.messageType(), segs, i + 1, value);
                }
            }
            return;
        }
        if (last) {
            setWhole(m, type, def, value);
            return;
        }
        if (!def.isMessage()) {
            throw new UsageException(where(segs, i) + " is " + article(def) + ", not a message: it has no field "
                    + segs.get(i + 1).name());
        }
        if (def.repeated()) {
            throw new UsageException(where(segs, i) + " is repeated: say which one, e.g. " + def.name() + "[0] or "
                    + def.name() + "[NAME]");
        }
        List<FieldNode> occurrences = m.fields(def.name());
        if (occurrences.isEmpty()) {
            checkOneof(m, type, def);
            insertField(m, type, build(def, segs, i + 1, value));
        } else {
            FieldNode target = occurrences.get(occurrences.size() - 1);
            setIn(asMessage(target.value(), segs, i), def.messageType(), segs, i + 1, value);
        }
    }

    /** Replaces every occurrence of a field by one with the new value, or adds the field. */
    private void setWhole(MessageNode m, MessageType type, FieldDef def, String value) {
        List<FieldNode> occurrences = m.fields(def.name());
        NewField leaf = leaf(type, def, value, false);
        if (occurrences.isEmpty()) {
            checkOneof(m, type, def);
            insertField(m, type, leaf);
            return;
        }
        FieldNode first = occurrences.get(0);
        String valueText = leaf.value();
        if (def.type() == FieldType.STRING && !def.repeated() && first.value() instanceof ScalarNode existing
                && existing.kind() == ScalarNode.Kind.STRING) {
            valueText = literalLike(existing, def, value); // keep that literal's quote character
        }
        replaceValue(first, def, valueText);
        for (FieldNode extra : occurrences.subList(1, occurrences.size())) {
            removeField(extra, m);
        }
    }

    /** A new field holding a value: validated against the schema before anything is written. */
    private NewField leaf(MessageType type, FieldDef def, String value, boolean element) {
        String formatted = element ? formatElementOrMessage(type, def, value) : formatWhole(type, def, value);
        return def.isMessage() ? NewField.messageText(def.name(), formatted) : NewField.scalar(def.name(), formatted);
    }

    /** The fields to create for the rest of a path when the message {@code def} does not exist yet. */
    private NewField build(FieldDef def, List<Segment> segs, int j, String value) {
        MessageType type = def.messageType();
        Segment seg = segs.get(j);
        FieldDef child = field(type, seg, segs, j);
        boolean last = j == segs.size() - 1;
        NewField built;
        if (child.isMap()) {
            String key = mapKey(seg);
            if (key == null) {
                if (!last) {
                    throw new UsageException(where(segs, j) + " is a map: name the key, e.g. " + child.name()
                            + "[KEY]");
                }
                built = leaf(type, child, value, false);
            } else {
                checkKey(child, key, segs, j);
                built = newEntry(child, key, segs, j, value);
            }
        } else if (seg.key() != null) {
            throw new TpbException(where(segs, j) + " does not exist: there is no " + child.name() + " yet");
        } else if (seg.index() != null && seg.index() != 0) {
            throw new TpbException(where(segs, j) + " does not exist: there is no " + child.name() + " yet");
        } else if (last) {
            built = leaf(type, child, value, seg.index() != null);
        } else if (!child.isMessage()) {
            throw new UsageException(where(segs, j) + " is " + article(child) + ", not a message: it has no field "
                    + segs.get(j + 1).name());
        } else {
            built = build(child, segs, j + 1, value);
        }
        return NewField.message(def.name(), List.of(built));
    }

    // ---- maps ----

    private static String mapKey(Segment seg) {
        return seg.key() != null ? seg.key() : seg.index() != null ? String.valueOf(seg.index()) : null;
    }

    private void checkKey(FieldDef def, String key, List<Segment> segs, int i) {
        FieldDef keyDef = def.messageType().field("key");
        if (keyDef.type() != FieldType.STRING) {
            validate(def.messageType(), keyDef, key, where(segs, i) + " (the key)");
        }
    }

    private List<MessageNode> mapEntries(MessageNode m, String name, String key) {
        List<MessageNode> entries = new ArrayList<>();
        for (MessageNode entry : Nodes.messages(m, name)) {
            if (ConfigValidator.mapKey(entry).equals(key)) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** Inside a map entry: the path to what {@code parameters[K]} (or another map's {@code [K]}) sets. */
    private static List<Segment> entryPath(FieldDef map, List<Segment> segs, int i) {
        List<Segment> inner = new ArrayList<>();
        inner.add(new Segment("value", null, null));
        if (i == segs.size() - 1) {
            if (map.messageType().field("value").messageType() == ModelConfigSchema.PARAMETER) {
                inner.add(new Segment("string_value", null, null));
            }
        } else {
            inner.addAll(segs.subList(i + 1, segs.size()));
        }
        return inner;
    }

    private NewField newEntry(FieldDef map, String key, List<Segment> segs, int i, String value) {
        MessageType entryType = map.messageType();
        FieldDef keyDef = entryType.field("key");
        FieldDef valueDef = entryType.field("value");
        NewField keyField = NewField.scalar("key", keyDef.type() == FieldType.STRING
                ? StringLiterals.quote(key, style.quote()) : key);
        NewField valueField;
        if (i == segs.size() - 1) {
            if (valueDef.messageType() == ModelConfigSchema.PARAMETER) {
                valueField = NewField.message("value",
                        List.of(NewField.scalar("string_value", StringLiterals.quote(value, style.quote()))));
            } else {
                valueField = leaf(entryType, valueDef, value, false);
            }
        } else {
            if (!valueDef.isMessage()) {
                throw new UsageException(where(segs, i) + " holds " + article(valueDef) + ": it has no field "
                        + segs.get(i + 1).name());
            }
            valueField = build(valueDef, segs, i + 1, value);
        }
        return NewField.message(map.name(), List.of(keyField, valueField));
    }

    /** A new map entry: a copy of the last entry with key and value replaced, or a new block. */
    private void insertMapEntry(MessageNode m, MessageType type, FieldDef map, String key, List<Segment> segs,
                                int i, String value) {
        List<MessageNode> entries = Nodes.messages(m, map.name());
        if (i == segs.size() - 1 && !entries.isEmpty()) {
            MessageNode template = entries.get(entries.size() - 1);
            for (FieldNode owner : m.fields(map.name())) {
                if (owner.value() == template) {
                    String clone = cloneEntry(template, owner.start(), owner.end(), map, key, value);
                    if (clone != null) {
                        insertAfter(owner, m, indent -> clone);
                        return;
                    }
                } else if (owner.value() instanceof ListNode list && list.items().contains(template)) {
                    String clone = cloneEntry(template, template.start(), template.end(), map, key, value);
                    if (clone != null) {
                        insertIntoList(list, template, clone);
                        return;
                    }
                }
            }
        }
        insertField(m, type, newEntry(map, key, segs, i, value));
    }

    /** The text {@code [start, end)} of an existing entry with its key and value replaced; null if it has neither. */
    private String cloneEntry(MessageNode template, int start, int end, FieldDef map, String key, String value) {
        FieldDef valueDef = map.messageType().field("value");
        ScalarNode keyNode = lastScalar(template, "key");
        ScalarNode valueNode;
        FieldDef valueScalarDef = valueDef;
        if (valueDef.messageType() == ModelConfigSchema.PARAMETER) {
            List<MessageNode> values = Nodes.messages(template, "value");
            valueNode = values.isEmpty() ? null : lastScalar(values.get(values.size() - 1), "string_value");
            valueScalarDef = ModelConfigSchema.PARAMETER.field("string_value");
        } else if (valueDef.isMessage()) {
            return null;
        } else {
            valueNode = lastScalar(template, "value");
        }
        if (keyNode == null || valueNode == null) {
            return null;
        }
        if (valueScalarDef.type() != FieldType.STRING) {
            validate(map.messageType(), valueDef, value, path.text());
        }
        List<Splice> local = new ArrayList<>();
        local.add(new Splice(keyNode.start(), keyNode.end(), literalLike(keyNode, map.messageType().field("key"),
                key)));
        local.add(new Splice(valueNode.start(), valueNode.end(), literalLike(valueNode, valueScalarDef, value)));
        local.sort(Comparator.comparingInt(Splice::start).reversed());
        StringBuilder clone = new StringBuilder(text.substring(start, end));
        for (Splice s : local) {
            clone.replace(s.start() - start, s.end() - start, s.text());
        }
        return clone.toString();
    }

    /** A literal for a new value written like an existing one (same quote character). */
    private String literalLike(ScalarNode existing, FieldDef def, String value) {
        if (def.type() != FieldType.STRING) {
            return value.strip();
        }
        char quote = existing.kind() == ScalarNode.Kind.STRING ? existing.text().charAt(0) : style.quote();
        return StringLiterals.quote(value, quote);
    }

    private static ScalarNode lastScalar(MessageNode message, String name) {
        List<ValueNode> values = Nodes.values(message, name);
        return !values.isEmpty() && values.get(values.size() - 1) instanceof ScalarNode scalar ? scalar : null;
    }

    // ---- unset ----

    private void unsetIn(MessageNode m, MessageType type, List<Segment> segs, int i) {
        Segment seg = segs.get(i);
        FieldDef def = field(type, seg, segs, i);
        boolean last = i == segs.size() - 1;
        if (def.isMap() && mapKey(seg) != null) {
            for (MessageNode entry : mapEntries(m, def.name(), mapKey(seg))) {
                if (last) {
                    removeValue(m, def.name(), entry);
                } else {
                    List<Segment> inner = new ArrayList<>();
                    inner.add(new Segment("value", null, null));
                    inner.addAll(segs.subList(i + 1, segs.size()));
                    unsetIn(entry, def.messageType(), inner, 0);
                }
            }
            return;
        }
        if (seg.hasSelector()) {
            if (!def.repeated()) {
                throw new UsageException(where(segs, i) + ": " + def.name() + " is not repeated, so it takes no [...]");
            }
            List<ValueNode> items = Nodes.values(m, def.name());
            List<ValueNode> targets = new ArrayList<>();
            if (seg.index() != null) {
                if (seg.index() < items.size()) {
                    targets.add(items.get(seg.index()));
                }
            } else {
                for (ValueNode item : items) {
                    if (item instanceof MessageNode message && Nodes.lastString(message, "name").orElse("")
                            .equals(seg.key())) {
                        targets.add(item);
                    }
                }
            }
            for (ValueNode target : targets) {
                if (last) {
                    removeValue(m, def.name(), target);
                } else if (target instanceof MessageNode message) {
                    unsetIn(message, def.messageType(), segs, i + 1);
                }
            }
            return;
        }
        if (last) {
            for (FieldNode field : m.fields(def.name())) {
                removeField(field, m);
            }
            return;
        }
        if (!def.isMessage()) {
            throw new UsageException(where(segs, i) + " is " + article(def) + ", not a message: it has no field "
                    + segs.get(i + 1).name());
        }
        if (def.repeated()) {
            throw new UsageException(where(segs, i) + " is repeated: say which one, e.g. " + def.name() + "[0]");
        }
        for (MessageNode message : Nodes.messages(m, def.name())) {
            unsetIn(message, def.messageType(), segs, i + 1);
        }
    }

    /** Removes one value of a repeated field: a whole occurrence, or an element of a list. */
    private void removeValue(MessageNode m, String name, ValueNode value) {
        for (FieldNode field : m.fields(name)) {
            if (field.value() == value) {
                removeField(field, m);
                return;
            }
            if (field.value() instanceof ListNode list && list.items().contains(value)) {
                removeItem(list, value, field, m);
                return;
            }
        }
    }

    // ---- text surgery ----

    private void replaceValue(FieldNode field, FieldDef def, String valueText) {
        if (!def.isMessage() && field.colon() == null) {
            splices.add(new Splice(field.nameToken().end(), field.value().end(), ": " + valueText));
        } else {
            replaceNode(field.value(), valueText);
        }
    }

    /**
     * Replaces a value. For adjacent string literals only the first literal is replaced and the others dropped, so
     * comments between them stay.
     */
    private void replaceNode(ValueNode node, String valueText) {
        boolean oneLiteral = valueText.startsWith("\"") || valueText.startsWith("'");
        if (oneLiteral && node instanceof ScalarNode scalar && scalar.kind() == ScalarNode.Kind.STRING
                && scalar.valueTokens().size() > 1 && scalar.elements().stream()
                        .anyMatch(e -> e instanceof Token t && t.kind() == TokenKind.COMMENT)) {
            List<Token> literals = scalar.valueTokens();
            splices.add(new Splice(literals.get(0).start(), literals.get(0).end(), valueText));
            for (Token literal : literals.subList(1, literals.size())) {
                splices.add(new Splice(literal.start(), literal.end(), ""));
            }
            return;
        }
        splices.add(new Splice(node.start(), node.end(), valueText));
    }

    /** Adds a field next to the fields that precede it in the schema's order. */
    private void insertField(MessageNode m, MessageType type, NewField field) {
        int newIndex = type.indexOf(field.name());
        FieldNode anchor = null;
        for (FieldNode existing : m.fields()) {
            int index = type.indexOf(existing.name());
            if (index >= 0 && index <= newIndex) {
                anchor = existing;
            }
        }
        Function<String, String> render = indent -> render(field, indent, indent == null);
        if (anchor != null) {
            insertAfter(anchor, m, render);
        } else if (!m.fields().isEmpty()) {
            insertBefore(m.fields().get(0), m, render);
        } else {
            insertIntoEmpty(m, render);
        }
    }

    /** {@code render} gets the indentation of the new line, or null when the field goes inline. */
    private void insertAfter(FieldNode anchor, MessageNode m, Function<String, String> render) {
        int end = anchor.end();
        Token separator = separatorAfter(m, anchor);
        if (separator != null) {
            end = separator.end();
        }
        if (restOfLineBlank(end)) {
            String indent = EditStyle.startsLine(source, anchor.start()) ? EditStyle.indentAt(source, anchor.start())
                    : childIndent(m);
            int at = lineBreakAt(end);
            splices.add(new Splice(at, at, style.newline() + indent + render.apply(indent)));
        } else if (separator != null) {
            splices.add(new Splice(separator.end(), separator.end(), " " + render.apply(null) + separator.text()));
        } else {
            splices.add(new Splice(anchor.end(), anchor.end(), (usesSeparators(m) ? "," : "") + " "
                    + render.apply(null)));
        }
    }

    private void insertBefore(FieldNode first, MessageNode m, Function<String, String> render) {
        if (EditStyle.startsLine(source, first.start())) {
            String indent = EditStyle.indentAt(source, first.start());
            splices.add(new Splice(first.start(), first.start(), render.apply(indent) + style.newline() + indent));
        } else {
            splices.add(new Splice(first.start(), first.start(), render.apply(null)
                    + (usesSeparators(m) ? ", " : " ")));
        }
    }

    private void insertIntoEmpty(MessageNode m, Function<String, String> render) {
        if (m.isRoot()) {
            if (text.isEmpty()) {
                splices.add(new Splice(0, 0, render.apply("") + style.newline()));
            } else if (text.endsWith("\n")) {
                splices.add(new Splice(text.length(), text.length(), render.apply("") + style.newline()));
            } else {
                splices.add(new Splice(text.length(), text.length(), style.newline() + render.apply("")));
            }
            return;
        }
        Token open = m.open();
        Token close = m.close();
        if (source.line(open.offset()) == source.line(close.offset())) {
            splices.add(new Splice(open.end(), close.start(), " " + render.apply(null) + " "));
        } else {
            String indent = EditStyle.indentAt(source, open.offset()) + style.indentUnit();
            int at = restOfLineBlank(open.end()) ? lineBreakAt(open.end()) : open.end();
            splices.add(new Splice(at, at, style.newline() + indent + render.apply(indent)));
        }
    }

    /** Appends an element to a list after {@code after}, separated the way the list separates its elements. */
    private void insertIntoList(ListNode list, ValueNode after, String elementText) {
        List<ValueNode> items = list.items();
        int k = items.indexOf(after);
        String separator;
        if (k > 0) {
            separator = text.substring(items.get(k - 1).end(), after.start());
        } else if (EditStyle.startsLine(source, after.start())) {
            separator = "," + style.newline() + EditStyle.indentAt(source, after.start());
        } else {
            separator = ", ";
        }
        splices.add(new Splice(after.end(), after.end(), separator + elementText));
    }

    private void removeField(FieldNode field, MessageNode m) {
        int end = field.end();
        Token separator = separatorAfter(m, field);
        if (separator != null) {
            end = separator.end();
        }
        removeSpan(field.start(), end);
    }

    private void removeItem(ListNode list, ValueNode item, FieldNode owner, MessageNode m) {
        List<ValueNode> items = list.items();
        if (items.size() == 1) {
            removeField(owner, m);
            return;
        }
        List<SyntaxElement> elements = list.elements();
        int idx = elements.indexOf(item);
        if (items.indexOf(item) < items.size() - 1) {
            Token comma = null;
            for (int j = idx + 1; j < elements.size(); j++) {
                if (elements.get(j) instanceof Token t && t.is(",")) {
                    comma = t;
                    break;
                }
                if (!(elements.get(j) instanceof Token t2 && t2.isTrivia())) {
                    break;
                }
            }
            removeSpan(item.start(), comma == null ? item.end() : comma.end());
        } else {
            Token comma = null;
            for (int j = idx - 1; j >= 0; j--) {
                if (elements.get(j) instanceof Token t && t.is(",")) {
                    comma = t;
                    break;
                }
                if (!(elements.get(j) instanceof Token t2 && t2.isTrivia())) {
                    break;
                }
            }
            if (EditStyle.startsLine(source, item.start()) && restOfLineBlank(item.end())) {
                removeSpan(item.start(), item.end());
                if (comma != null) {
                    splices.add(new Splice(comma.start(), comma.end(), ""));
                }
            } else {
                int start = comma != null && source.line(comma.start()) == source.line(item.start())
                        ? comma.start() : item.start();
                splices.add(new Splice(skipSpacesBack(start), item.end(), ""));
            }
        }
    }

    /**
     * Removes {@code [start, end)}: whole lines when nothing else is on them (a trailing comment stays, on its own
     * line), otherwise the span and the spaces that would be left double.
     */
    private void removeSpan(int start, int end) {
        if (EditStyle.startsLine(source, start) && restOfLineBlank(end)) {
            int comment = commentOnLine(end);
            if (comment >= 0) {
                splices.add(new Splice(start, comment, ""));
            } else {
                int lineStart = source.lineStart(source.line(start));
                splices.add(new Splice(lineStart, afterLineBreak(lineBreakAt(end)), ""));
            }
        } else if (EditStyle.startsLine(source, start)) {
            splices.add(new Splice(start, skipSpaces(end), ""));
        } else {
            splices.add(new Splice(skipSpacesBack(start), end, ""));
        }
    }

    private Token separatorAfter(MessageNode m, FieldNode field) {
        List<SyntaxElement> elements = m.elements();
        for (int j = elements.indexOf(field) + 1; j < elements.size(); j++) {
            SyntaxElement e = elements.get(j);
            if (e instanceof Token t && t.kind() == TokenKind.WHITESPACE) {
                continue;
            }
            return e instanceof Token t && (t.is(",") || t.is(";")) ? t : null;
        }
        return null;
    }

    private static boolean usesSeparators(MessageNode m) {
        for (SyntaxElement e : m.elements()) {
            if (e instanceof Token t && (t.is(",") || t.is(";"))) {
                return true;
            }
        }
        return false;
    }

    private String childIndent(MessageNode m) {
        for (FieldNode field : m.fields()) {
            if (EditStyle.startsLine(source, field.start())) {
                return EditStyle.indentAt(source, field.start());
            }
        }
        return m.isRoot() ? "" : EditStyle.indentAt(source, m.open().offset()) + style.indentUnit();
    }

    /** Only spaces, tabs or a comment from {@code offset} to the end of the line. */
    private boolean restOfLineBlank(int offset) {
        int i = skipSpaces(offset);
        return i >= text.length() || text.charAt(i) == '\n' || text.charAt(i) == '#'
                || (text.charAt(i) == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n');
    }

    private int commentOnLine(int offset) {
        int i = skipSpaces(offset);
        return i < text.length() && text.charAt(i) == '#' ? i : -1;
    }

    /** Where the line break of the line holding {@code offset} starts (or the end of the text). */
    private int lineBreakAt(int offset) {
        int nl = text.indexOf('\n', offset);
        if (nl < 0) {
            return text.length();
        }
        return nl > offset && text.charAt(nl - 1) == '\r' ? nl - 1 : nl;
    }

    private int afterLineBreak(int lineBreak) {
        if (lineBreak >= text.length()) {
            return lineBreak;
        }
        return text.charAt(lineBreak) == '\r' ? lineBreak + 2 : lineBreak + 1;
    }

    private int skipSpaces(int offset) {
        int i = offset;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t'
                || (text.charAt(i) == '\r' && !(i + 1 < text.length() && text.charAt(i + 1) == '\n')))) {
            i++;
        }
        return i;
    }

    private int skipSpacesBack(int offset) {
        int i = offset;
        while (i > 0 && (text.charAt(i - 1) == ' ' || text.charAt(i - 1) == '\t')) {
            i--;
        }
        return i;
    }

    private String render(NewField field, String indent, boolean inline) {
        String colon = style.colonBeforeMessage() ? ": " : " ";
        if (field.children() == null) {
            return field.name() + (field.message() ? colon : ": ") + field.value();
        }
        if (inline) {
            StringBuilder out = new StringBuilder(field.name()).append(colon).append("{ ");
            for (NewField child : field.children()) {
                out.append(render(child, null, true)).append(' ');
            }
            return out.append('}').toString();
        }
        String inner = indent + style.indentUnit();
        StringBuilder out = new StringBuilder(field.name()).append(colon).append('{');
        for (NewField child : field.children()) {
            out.append(style.newline()).append(inner).append(render(child, inner, false));
        }
        return out.append(style.newline()).append(indent).append('}').toString();
    }

    // ---- values ----

    /** The text for a whole field: a scalar, a list of scalars, or a message / list of messages in text format. */
    private String formatWhole(MessageType type, FieldDef def, String value) {
        String formatted;
        String trimmed = value.strip();
        if (def.isMessage()) {
            formatted = trimmed.startsWith("{") || trimmed.startsWith("<") || trimmed.startsWith("[")
                    ? trimmed : "{ " + trimmed + " }";
        } else if (def.repeated()) {
            if (trimmed.startsWith("[")) {
                formatted = trimmed;
            } else {
                List<String> elements = new ArrayList<>();
                for (String element : def.type() == FieldType.STRING ? List.of(value) : List.of(value.split(","))) {
                    elements.add(formatElement(def, element));
                }
                formatted = "[ " + String.join(", ", elements) + " ]";
            }
        } else {
            formatted = formatElement(def, value);
        }
        validate(type, def, formatted, path.text());
        return formatted;
    }

    private String formatElementOrMessage(MessageType type, FieldDef def, String value) {
        String formatted;
        if (def.isMessage()) {
            String trimmed = value.strip();
            formatted = trimmed.startsWith("{") || trimmed.startsWith("<") ? trimmed : "{ " + trimmed + " }";
        } else {
            formatted = formatElement(def, value);
        }
        // An element is checked as a one-element list of the repeated field.
        validate(type, def, "[ " + formatted + " ]", path.text());
        return formatted;
    }

    private String formatElement(FieldDef def, String value) {
        return def.type() == FieldType.STRING ? StringLiterals.quote(value, style.quote()) : value.strip();
    }

    /** Parses {@code name: text} as a field of {@code type} and reports what Triton would reject. */
    private static void validate(MessageType type, FieldDef def, String valueText, String where) {
        String snippet = def.name() + (def.isMessage() ? " " : ": ") + valueText;
        ConfigDocument parsed;
        try {
            parsed = ConfigDocument.parseAs(snippet, "value", type);
        } catch (ConfigSyntaxException e) {
            throw new TpbException("invalid value for " + where + " (" + def.describeType() + "): " + e.detail());
        }
        for (ConfigProblem problem : ConfigValidator.validate(parsed, type)) {
            if (problem.isError()) {
                throw new TpbException("invalid value for " + where + " (" + def.describeType() + "): "
                        + problem.message());
            }
        }
    }

    // ---- schema lookups ----

    private FieldDef field(MessageType type, Segment seg, List<Segment> segs, int i) {
        FieldDef def = type.field(seg.name());
        if (def == null) {
            throw new UsageException("unknown field '" + seg.name() + "' in " + where(segs, i) + ": message type "
                    + type.fullName() + " has no such field." + DidYouMean.hint(seg.name(), type.fieldNames()));
        }
        return def;
    }

    private void checkOneof(MessageNode m, MessageType type, FieldDef def) {
        if (def.oneof() == null) {
            return;
        }
        for (FieldNode existing : m.fields()) {
            FieldDef other = type.field(existing.name());
            if (other != null && def.oneof().equals(other.oneof()) && other != def) {
                throw new TpbException("cannot set " + def.name() + ": " + other.name() + " is already set (line "
                        + source.line(existing.start()) + "), and both are members of oneof \"" + def.oneof()
                        + "\"; unset " + other.name() + " first");
            }
        }
    }

    private List<ValueNode> named(FieldDef def, List<ValueNode> items, String name, List<Segment> segs, int i) {
        if (!def.isMessage() || def.messageType().field("name") == null) {
            throw new UsageException(where(segs, i) + ": elements of " + def.name() + " have no name; use an index, "
                    + "e.g. " + def.name() + "[0]");
        }
        List<ValueNode> found = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (ValueNode item : items) {
            if (item instanceof MessageNode message) {
                String itemName = Nodes.lastString(message, "name").orElse("");
                names.add(itemName);
                if (itemName.equals(name)) {
                    found.add(item);
                }
            }
        }
        if (found.isEmpty()) {
            throw new TpbException(where(segs, i) + " does not exist: no " + def.name() + " is named \"" + name + "\""
                    + (names.isEmpty() ? "" : " (there are: " + String.join(", ", names) + ")"));
        }
        return found;
    }

    private MessageNode asMessage(ValueNode value, List<Segment> segs, int i) {
        if (value instanceof MessageNode message) {
            return message;
        }
        throw new TpbException(where(segs, i) + " at line " + source.line(value.start())
                + " is not a message; fix the file first (tpb config validate)");
    }

    private String describeCount(FieldDef def, List<ValueNode> items) {
        return items.isEmpty() ? "there is no " + def.name()
                : "there " + (items.size() == 1 ? "is 1 " : "are " + items.size() + " ") + def.name() + " (index 0"
                + (items.size() > 1 ? " to " + (items.size() - 1) : "") + ")";
    }

    /** The path up to segment {@code i}, for messages (inside a map entry: the whole path the user gave). */
    private String where(List<Segment> segs, int i) {
        if (segs != path.segments()) {
            return path.text();
        }
        StringBuilder out = new StringBuilder();
        for (int j = 0; j <= i; j++) {
            out.append(j > 0 ? "." : "").append(segs.get(j));
        }
        return out.toString();
    }

    private static String article(FieldDef def) {
        String type = def.describeType();
        return (type.matches("^[aeiouAEIOU].*") ? "an " : "a ") + type;
    }

    private ConfigDocument apply() {
        if (splices.isEmpty()) {
            return doc;
        }
        List<Splice> sorted = new ArrayList<>(splices);
        sorted.sort(Comparator.comparingInt(Splice::start).thenComparingInt(Splice::end));
        for (int k = 1; k < sorted.size(); k++) {
            if (sorted.get(k).start() < sorted.get(k - 1).end()) {
                throw new IllegalStateException("overlapping edits " + sorted.get(k - 1) + " and " + sorted.get(k));
            }
        }
        StringBuilder out = new StringBuilder(text);
        for (int k = sorted.size() - 1; k >= 0; k--) {
            Splice s = sorted.get(k);
            out.replace(s.start(), s.end(), s.text());
        }
        return doc.reparse(out.toString());
    }
}
