package dev.tpb;

/**
 * How code below the command line tells the user what it is doing. Nothing outside {@code cli/} prints to
 * the terminal; it reports here and the command line decides what to show (quiet, verbose, colour).
 */
public interface Reporter {
    /** Progress a user wants to see by default ("built python_3_10 in 1.2 s"). */
    void info(String message);

    /** Something that works but probably is not what the user wants. */
    void warn(String message);

    /** Details for {@code --verbose}. */
    void debug(String message);

    Reporter SILENT = new Reporter() {
        @Override public void info(String message) { }
        @Override public void warn(String message) { }
        @Override public void debug(String message) { }
    };
}
