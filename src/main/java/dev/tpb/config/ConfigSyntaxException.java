package dev.tpb.config;

import dev.tpb.TpbException;

/**
 * The file is not valid protobuf text format. The message is the whole report: {@code path:line:col: what},
 * then the offending line and a caret under the column. Wording follows protobuf's parser where it has one.
 */
public class ConfigSyntaxException extends TpbException {
    private final String file;
    private final int line;
    private final int column;
    private final String detail;
    private final String excerpt;

    ConfigSyntaxException(SourceText source, int offset, String detail) {
        super(source.position(offset) + ": " + detail + "\n" + source.excerpt(offset));
        this.excerpt = source.excerpt(offset);
        this.file = source.displayName();
        this.line = source.line(offset);
        this.column = source.column(offset);
        this.detail = detail;
    }

    public String file() {
        return file;
    }

    /** 1-based. */
    public int line() {
        return line;
    }

    /** 1-based, in characters (a tab counts as one). */
    public int column() {
        return column;
    }

    /** The offending line and the caret line under the column. */
    public String excerpt() {
        return excerpt;
    }

    /** The message without position and excerpt, e.g. {@code Expected integer, got: $}. */
    public String detail() {
        return detail;
    }
}
