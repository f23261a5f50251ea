package dev.tpb.config;

import java.math.BigInteger;
import java.util.Locale;

/**
 * Reads a scalar as the field's type, the way protobuf's text parser does (bools as {@code true/True/t/1},
 * integers in decimal, hex or octal with range checks, enums by name or number, floats with {@code inf} and
 * {@code nan}), with protobuf's wording when the value does not fit.
 */
final class ScalarValues {
    private ScalarValues() {
    }

    /** An enum value: its name, or null for a number no value has (proto3 enums accept those). */
    record EnumValue(String name, int number) {
    }

    /** The value, or the error and where it is. */
    record Result(Object value, String error, int errorOffset) {
        boolean ok() {
            return error == null;
        }
    }

    private static final BigInteger INT32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT32_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger UINT32_MAX = BigInteger.valueOf(0xFFFFFFFFL);
    private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    static Result read(ScalarNode node, FieldDef def) {
        Token first = node.valueTokens().get(0);
        int at = node.firstToken().offset();
        String got = node.negative() ? "-" : first.text();
        return switch (def.type()) {
            case STRING -> node.kind() == ScalarNode.Kind.STRING
                    ? ok(node.stringValue()) : error("Expected string, got: " + got, at);
            case BOOL -> bool(node, def, first, at, got);
            case INT32, INT64, UINT32, UINT64 -> integer(node, def, first, at, got);
            case FLOAT, DOUBLE -> floating(node, def, first, at, got);
            case ENUM -> enumValue(node, def, first, at, got);
            case MESSAGE -> error("Expected \"{\", found \"" + got + "\".", at);
        };
    }

    private static Result bool(ScalarNode node, FieldDef def, Token first, int at, String got) {
        if (node.negative()) {
            return error("Expected identifier, got: -", at);
        }
        if (node.kind() == ScalarNode.Kind.INTEGER) {
            BigInteger value = parseInteger(first.text());
            if (value.compareTo(BigInteger.ONE) > 0) {
                return error("Integer out of range (" + first.text() + ")", at);
            }
            return ok(value.signum() != 0);
        }
        if (node.kind() != ScalarNode.Kind.IDENTIFIER) {
            return error("Expected identifier, got: " + got, at);
        }
        return switch (first.text()) {
            case "true", "True", "t" -> ok(true);
            case "false", "False", "f" -> ok(false);
            default -> error("Invalid value for boolean field \"" + def.name() + "\". Value: \"" + first.text()
                    + "\".", at);
        };
    }

    private static Result integer(ScalarNode node, FieldDef def, Token first, int at, String got) {
        if (node.negative() && !def.type().isSigned()) {
            return error("Expected integer, got: -", at);
        }
        if (node.kind() != ScalarNode.Kind.INTEGER) {
            return error("Expected integer, got: " + (node.negative() ? first.text() : got), first.offset());
        }
        BigInteger value = parseInteger(first.text());
        if (node.negative()) {
            value = value.negate();
        }
        BigInteger min = switch (def.type()) {
            case INT32 -> INT32_MIN;
            case INT64 -> INT64_MIN;
            default -> BigInteger.ZERO;
        };
        BigInteger max = switch (def.type()) {
            case INT32 -> INT32_MAX;
            case UINT32 -> UINT32_MAX;
            case INT64 -> INT64_MAX;
            default -> UINT64_MAX;
        };
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            return error("Integer out of range (" + first.text() + ")", first.offset());
        }
        return ok(value.bitLength() < 64 ? (Object) value.longValue() : value);
    }

    private static Result floating(ScalarNode node, FieldDef def, Token first, int at, String got) {
        double value;
        switch (node.kind()) {
            case INTEGER -> {
                String text = first.text();
                if (text.length() > 1 && text.startsWith("0")) {
                    return error("Expect a decimal number, got: " + text, first.offset());
                }
                value = new BigInteger(text).doubleValue();
            }
            case FLOAT -> {
                String text = first.text();
                if (text.endsWith("f") || text.endsWith("F")) {
                    text = text.substring(0, text.length() - 1);
                }
                value = Double.parseDouble(text);
            }
            case IDENTIFIER -> {
                String word = first.text().toLowerCase(Locale.ROOT);
                if (word.equals("inf") || word.equals("infinity")) {
                    value = Double.POSITIVE_INFINITY;
                } else if (word.equals("nan")) {
                    value = Double.NaN;
                } else {
                    return error("Expected double, got: " + first.text(), first.offset());
                }
            }
            default -> {
                return error("Expected double, got: " + got, at);
            }
        }
        if (node.negative()) {
            value = -value;
        }
        return ok(def.type() == FieldType.FLOAT ? (Object) (float) value : (Object) value);
    }

    private static Result enumValue(ScalarNode node, FieldDef def, Token first, int at, String got) {
        if (node.kind() == ScalarNode.Kind.IDENTIFIER && !node.negative()) {
            if (!def.enumType().hasName(first.text())) {
                return error("Unknown enumeration value of \"" + first.text() + "\" for field \"" + def.name()
                        + "\".", at);
            }
            return ok(new EnumValue(first.text(), def.enumType().values().get(first.text())));
        }
        if (node.kind() == ScalarNode.Kind.INTEGER) {
            BigInteger value = parseInteger(first.text());
            if (node.negative()) {
                value = value.negate();
            }
            if (value.compareTo(INT32_MIN) < 0 || value.compareTo(INT32_MAX) > 0) {
                return error("Integer out of range (" + first.text() + ")", first.offset());
            }
            int number = value.intValue();
            return ok(new EnumValue(def.enumType().nameOf(number), number));
        }
        return error("Expected integer or identifier, got: " + got, at);
    }

    /** Decimal, {@code 0x} hex or leading-zero octal, as the lexer accepted it. */
    static BigInteger parseInteger(String text) {
        if (text.length() > 2 && (text.startsWith("0x") || text.startsWith("0X"))) {
            return new BigInteger(text.substring(2), 16);
        }
        if (text.length() > 1 && text.startsWith("0")) {
            return new BigInteger(text.substring(1), 8);
        }
        return new BigInteger(text);
    }

    private static Result ok(Object value) {
        return new Result(value, null, -1);
    }

    private static Result error(String message, int offset) {
        return new Result(null, message, offset);
    }
}
