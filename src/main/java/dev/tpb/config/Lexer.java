package dev.tpb.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits config text into tokens, keeping every character: whitespace, line breaks and {@code #} comments are
 * tokens too. Follows protobuf's tokenizer in text-format mode (its error messages included): {@code #} is the
 * only comment style, numbers may be hex, octal or float (with an {@code f} suffix), {@code -} is a token of its
 * own, strings take double or single quotes and may not cross a line.
 */
final class Lexer {
    private final SourceText source;
    private final String text;
    private Token last;
    private int pos;

    Lexer(SourceText source) {
        this.source = source;
        this.text = source.text();
    }

    /** Every token of the text. */
    static List<Token> tokenize(SourceText source) {
        Lexer lexer = new Lexer(source);
        List<Token> tokens = new ArrayList<>();
        for (Token t = lexer.next(); t != null; t = lexer.next()) {
            tokens.add(t);
        }
        return tokens;
    }

    /**
     * The next token, or null at the end. Lexing on demand lets the parser report an error before a later
     * malformed token, as protobuf's parser does.
     */
    Token next() {
        last = null;
        int length = text.length();
        if (pos < length) {
            int start = pos;
            char c = text.charAt(pos);
            if (c == '\n') {
                pos++;
                add(TokenKind.NEWLINE, start);
            } else if (c == '\r' && pos + 1 < length && text.charAt(pos + 1) == '\n') {
                pos += 2;
                add(TokenKind.NEWLINE, start);
            } else if (isHorizontalSpace(c)) {
                while (pos < length && isHorizontalSpace(text.charAt(pos))
                        && !(text.charAt(pos) == '\r' && pos + 1 < length && text.charAt(pos + 1) == '\n')) {
                    pos++;
                }
                add(TokenKind.WHITESPACE, start);
            } else if (c == '#') {
                while (pos < length && text.charAt(pos) != '\n') {
                    pos++;
                }
                if (pos > start + 1 && text.charAt(pos - 1) == '\r') {
                    pos--; // the \r belongs to the line break
                }
                add(TokenKind.COMMENT, start);
            } else if (isLetter(c)) {
                while (pos < length && (isLetter(text.charAt(pos)) || isDigit(text.charAt(pos)))) {
                    pos++;
                }
                add(TokenKind.IDENTIFIER, start);
            } else if (isDigit(c) || (c == '.' && pos + 1 < length && isDigit(text.charAt(pos + 1)))) {
                number();
            } else if (c == '"' || c == '\'') {
                string(c);
            } else if (c < 0x20 || c == 0x7F) {
                throw error(pos, "Invalid control characters encountered in text.");
            } else {
                pos += Character.charCount(text.codePointAt(pos));
                add(TokenKind.SYMBOL, start);
            }
        }
        return last;
    }

    private void number() {
        int start = pos;
        boolean isFloat = false;
        char first = text.charAt(pos++);
        if (first == '0' && (peek() == 'x' || peek() == 'X')) {
            pos++;
            if (Character.digit(peek(), 16) < 0) {
                throw error(pos, "\"0x\" must be followed by hex digits.");
            }
            while (Character.digit(peek(), 16) >= 0) {
                pos++;
            }
        } else if (first == '0' && isDigit(peek())) {
            while (peek() >= '0' && peek() <= '7') {
                pos++;
            }
            if (isDigit(peek())) {
                throw error(pos, "Numbers starting with leading zero must be in octal.");
            }
        } else {
            if (first == '.') {
                isFloat = true;
            }
            while (isDigit(peek())) {
                pos++;
            }
            if (!isFloat && peek() == '.') {
                isFloat = true;
                pos++;
                while (isDigit(peek())) {
                    pos++;
                }
            }
            if (peek() == 'e' || peek() == 'E') {
                isFloat = true;
                pos++;
                if (peek() == '-' || peek() == '+') {
                    pos++;
                }
                if (!isDigit(peek())) {
                    throw error(pos, "\"e\" must be followed by exponent.");
                }
                while (isDigit(peek())) {
                    pos++;
                }
            }
            if (peek() == 'f' || peek() == 'F') {
                isFloat = true;
                pos++;
            }
        }
        if (isLetter(peek())) {
            throw error(pos, "Need space between number and identifier.");
        }
        if (peek() == '.') {
            throw error(pos, isFloat ? "Already saw decimal point or exponent; can't have another one."
                    : "Hexadecimal and octal numbers must be integers.");
        }
        add(isFloat ? TokenKind.FLOAT : TokenKind.INTEGER, start);
    }

    private void string(char quote) {
        int start = pos++;
        while (true) {
            if (pos >= text.length()) {
                throw error(pos, "Unexpected end of string.");
            }
            char c = text.charAt(pos);
            if (c == quote) {
                pos++;
                break;
            }
            if (c == '\n') {
                throw error(pos, "String literals cannot cross line boundaries.");
            }
            if (c == '\\') {
                pos++;
                escape();
                continue;
            }
            pos++; // control characters are allowed inside literals
        }
        add(TokenKind.STRING, start);
    }

    private void escape() {
        char c = peek();
        if ("abfnrtv\\?'\"".indexOf(c) >= 0 && c != 0) {
            pos++;
        } else if (c >= '0' && c <= '7') {
            pos++;
        } else if (c == 'x' || c == 'X') {
            if (c == 'X') {
                throw error(pos, "Invalid escape sequence in string literal.");
            }
            pos++;
            if (Character.digit(peek(), 16) < 0) {
                throw error(pos, "Expected hex digits for escape sequence.");
            }
        } else if (c == 'u') {
            pos++;
            if (!hexDigits(4)) {
                throw error(pos, "Expected four hex digits for \\u escape sequence.");
            }
            pos += 4;
        } else if (c == 'U') {
            pos++;
            if (!hexDigits(8) || Long.parseLong(text.substring(pos, pos + 8), 16) > 0x10FFFF) {
                throw error(pos, "Expected eight hex digits up to 10ffff for \\U escape sequence");
            }
            pos += 8;
        } else {
            throw error(pos, "Invalid escape sequence in string literal.");
        }
    }

    private boolean hexDigits(int count) {
        if (pos + count > text.length()) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            if (Character.digit(text.charAt(pos + i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    private void add(TokenKind kind, int start) {
        last = new Token(kind, text.substring(start, pos), start);
    }

    private ConfigSyntaxException error(int offset, String message) {
        return new ConfigSyntaxException(source, offset, message);
    }

    static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHorizontalSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == 0x0B || c == '\f';
    }
}
