package dev.tpb.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the lossless syntax tree from tokens. The grammar is protobuf's text format, independent of the schema:
 * a field is a name, an optional {@code :} and a message ({@code { }} or {@code < >}), a list ({@code [ ]}) or a
 * scalar (after a {@code :}). The schema is only consulted to word errors the way protobuf does
 * ("Expected integer, got: $"); whether values fit their fields is {@link ConfigValidator}'s job, so files with
 * schema mistakes can still be read and edited.
 */
final class Parser {
    /** protobuf's default recursion limit for text format. */
    private static final int MAX_DEPTH = 100;

    private final SourceText source;
    private final Lexer lexer;
    private final List<Token> tokens = new ArrayList<>();
    private boolean lexed;
    private int index;
    private int depth;

    private Parser(SourceText source) {
        this.source = source;
        this.lexer = new Lexer(source);
    }

    static MessageNode parse(SourceText source, MessageType rootType) {
        Parser parser = new Parser(source);
        List<SyntaxElement> elements = new ArrayList<>();
        parser.body(elements, rootType, null, null);
        return new MessageNode(elements, null, null, 0);
    }

    private void body(List<SyntaxElement> elements, MessageType type, Token open, String close) {
        while (true) {
            trivia(elements);
            Token t = current();
            if (t == null) {
                if (close != null) {
                    throw error(source.text().length(), "Expected \"" + close + "\", found end of file (the message "
                            + "opened at " + source.line(open.offset()) + ":" + source.column(open.offset())
                            + " is not closed).");
                }
                return;
            }
            if (close != null && (t.is("}") || t.is(">"))) {
                if (!t.text().equals(close)) {
                    throw error(t.offset(), "Expected \"" + close + "\", found \"" + t.text() + "\".");
                }
                elements.add(advance());
                return;
            }
            elements.add(field(type));
            trivia(elements);
            Token separator = current();
            if (separator != null && (separator.is(",") || separator.is(";"))) {
                elements.add(advance());
            }
        }
    }

    private FieldNode field(MessageType type) {
        List<SyntaxElement> elements = new ArrayList<>();
        Token name = current();
        if (name.kind() != TokenKind.IDENTIFIER) {
            throw error(name.offset(), "Expected identifier, got: " + name.text());
        }
        elements.add(advance());
        FieldDef def = type == null ? null : type.field(name.text());
        trivia(elements);
        Token colon = null;
        if (current() != null && current().is(":")) {
            colon = advance();
            elements.add(colon);
            trivia(elements);
        }
        Token t = current();
        ValueNode value;
        if (t != null && (t.is("{") || t.is("<"))) {
            value = message(def);
        } else if (t != null && t.is("[")) {
            value = list(def);
        } else if (colon == null) {
            int at = t == null ? source.text().length() : t.offset();
            String expected = def != null && def.isMessage() ? "{" : ":";
            throw error(at, "Expected \"" + expected + "\", found " + found(t) + ".");
        } else {
            value = scalar(def);
        }
        elements.add(value);
        return new FieldNode(elements, name, colon, value);
    }

    private MessageNode message(FieldDef def) {
        if (++depth > MAX_DEPTH) {
            throw error(current().offset(),
                    "Message is too deep, the parser exceeded the configured recursion limit of " + MAX_DEPTH + ".");
        }
        List<SyntaxElement> elements = new ArrayList<>();
        Token open = advance();
        elements.add(open);
        body(elements, def == null ? null : def.messageType(), open, open.is("{") ? "}" : ">");
        depth--;
        return new MessageNode(elements, open, (Token) elements.get(elements.size() - 1), open.offset());
    }

    private ListNode list(FieldDef def) {
        List<SyntaxElement> elements = new ArrayList<>();
        elements.add(advance());
        trivia(elements);
        if (current() != null && current().is("]")) {
            elements.add(advance());
            return new ListNode(elements);
        }
        while (true) {
            Token t = current();
            elements.add(t != null && (t.is("{") || t.is("<")) ? message(def) : scalar(def));
            trivia(elements);
            t = current();
            if (t != null && t.is(",")) {
                elements.add(advance());
                trivia(elements);
            } else if (t != null && t.is("]")) {
                elements.add(advance());
                return new ListNode(elements);
            } else {
                throw error(t == null ? source.text().length() : t.offset(), "Expected \"]\", found " + found(t) + ".");
            }
        }
    }

    private ScalarNode scalar(FieldDef def) {
        List<SyntaxElement> elements = new ArrayList<>();
        boolean negative = false;
        Token t = current();
        if (t != null && t.is("-")) {
            negative = true;
            elements.add(advance());
            trivia(elements);
            t = current();
            if (t == null || !(t.kind() == TokenKind.INTEGER || t.kind() == TokenKind.FLOAT
                    || t.kind() == TokenKind.IDENTIFIER)) {
                throw expectedValue(def, t);
            }
        }
        if (t == null) {
            throw expectedValue(def, null);
        }
        ScalarNode.Kind kind;
        switch (t.kind()) {
            case STRING -> {
                if (negative) {
                    throw expectedValue(def, t);
                }
                kind = ScalarNode.Kind.STRING;
                elements.add(advance());
                // Adjacent literals concatenate, with any whitespace or comments between them.
                while (true) {
                    int next = nextSignificant(index);
                    if (next >= tokens.size() || tokens.get(next).kind() != TokenKind.STRING) {
                        break;
                    }
                    while (index <= next) {
                        elements.add(tokens.get(index++));
                    }
                }
            }
            case INTEGER -> {
                kind = ScalarNode.Kind.INTEGER;
                elements.add(advance());
            }
            case FLOAT -> {
                kind = ScalarNode.Kind.FLOAT;
                elements.add(advance());
            }
            case IDENTIFIER -> {
                kind = ScalarNode.Kind.IDENTIFIER;
                elements.add(advance());
            }
            default -> throw expectedValue(def, t);
        }
        return new ScalarNode(elements, kind, negative);
    }

    /** The error for a missing or malformed value, worded as protobuf words it for the field's type. */
    private ConfigSyntaxException expectedValue(FieldDef def, Token t) {
        int at = t == null ? source.text().length() : t.offset();
        String got = t == null ? "end of file" : t.text();
        String message;
        if (def == null) {
            message = "Expected a value, got: " + got;
        } else if (def.isMessage()) {
            message = "Expected \"{\", found " + found(t) + ".";
        } else {
            message = "Expected " + ConfigValidator.expectedWord(def) + ", got: " + got;
        }
        String placeholder = t == null ? null : Placeholders.bareAt(source.text(), t.offset());
        if (placeholder != null) {
            message += " (unfilled template placeholder " + placeholder
                    + ": fill it in, e.g. with fill_template.py, before Triton reads the file)";
        }
        return error(at, message);
    }

    private static String found(Token t) {
        return t == null ? "end of file" : "\"" + t.text() + "\"";
    }

    /** Appends the whitespace and comments at the cursor to {@code elements}. */
    private void trivia(List<SyntaxElement> elements) {
        while (available(index) && tokens.get(index).isTrivia()) {
            elements.add(tokens.get(index++));
        }
    }

    private int nextSignificant(int from) {
        int i = from;
        while (available(i) && tokens.get(i).isTrivia()) {
            i++;
        }
        return i;
    }

    /** Lexes up to token {@code i}; false when the text ends before it. */
    private boolean available(int i) {
        while (i >= tokens.size() && !lexed) {
            Token t = lexer.next();
            if (t == null) {
                lexed = true;
            } else {
                tokens.add(t);
            }
        }
        return i < tokens.size();
    }

    /** The token at the cursor (callers skip trivia first), or null at the end. */
    private Token current() {
        return available(index) ? tokens.get(index) : null;
    }

    private Token advance() {
        available(index);
        return tokens.get(index++);
    }

    private ConfigSyntaxException error(int offset, String message) {
        return new ConfigSyntaxException(source, offset, message);
    }
}
