package dev.tpb.testing;

import dev.tpb.Reporter;
import dev.tpb.python.PythonFinder;
import dev.tpb.python.PythonInstall;
import dev.tpb.python.PythonVersion;
import java.util.List;

/** The real interpreters on this machine, found once for the whole test run. */
public final class Pythons {
    private static PythonFinder finder;

    private Pythons() {
    }

    public static synchronized PythonFinder finder() {
        if (finder == null) {
            finder = PythonFinder.system(Reporter.SILENT);
        }
        return finder;
    }

    /** Every distinct supported minor version (3.8+) with a shared libpython and headers, newest first. */
    public static List<PythonInstall> stubCapable() {
        return finder().all().stream()
                .filter(p -> p.version().compareTo(PythonFinder.OLDEST_SUPPORTED) >= 0)
                .filter(p -> p.hasSharedLibpython() && p.hasHeaders() && !p.isVenv())
                .filter(distinctMinor())
                .toList();
    }

    public static PythonInstall get(String version) {
        return finder().find(PythonVersion.parse(version));
    }

    private static java.util.function.Predicate<PythonInstall> distinctMinor() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        return p -> seen.add(p.version().minorString());
    }
}
