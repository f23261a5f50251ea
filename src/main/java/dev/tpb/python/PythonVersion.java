package dev.tpb.python;

import dev.tpb.UsageException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A CPython version. {@code micro < 0} means "any micro" when used as a request such as {@code 3.10}. */
public record PythonVersion(int major, int minor, int micro) implements Comparable<PythonVersion> {
    private static final Pattern FORM = Pattern.compile("(?:python)?(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    /** Parses {@code 3.10}, {@code 3.10.13} or {@code python3.10}. */
    public static PythonVersion parse(String text) {
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new UsageException("invalid Python version '" + text + "': expected MAJOR.MINOR such as 3.10");
        }
        int micro = m.group(3) == null ? -1 : Integer.parseInt(m.group(3));
        return new PythonVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), micro);
    }

    /** Does this concrete version satisfy a request such as 3.10 (any micro) or 3.10.13? */
    public boolean satisfies(PythonVersion request) {
        return major == request.major && minor == request.minor && (request.micro < 0 || micro == request.micro);
    }

    public boolean sameMinor(PythonVersion other) {
        return major == other.major && minor == other.minor;
    }

    /** "3.10": the part that decides binary compatibility, and the stub directory suffix. */
    public String minorString() {
        return major + "." + minor;
    }

    /** "3_10", as in {@code backends/python_3_10}. */
    public String underscored() {
        return major + "_" + minor;
    }

    @Override
    public int compareTo(PythonVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(micro, o.micro);
    }

    @Override
    public String toString() {
        return micro < 0 ? minorString() : minorString() + "." + micro;
    }
}
