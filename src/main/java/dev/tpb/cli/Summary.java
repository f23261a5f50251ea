package dev.tpb.cli;

import dev.tpb.env.PackResult;
import java.util.ArrayList;
import java.util.List;

/** The lines pack-env prints when it is done. */
final class Summary {
    private Summary() {
    }

    static List<String> lines(PackResult r) {
        List<String> out = new ArrayList<>();
        double seconds = Math.max(1e-3, r.elapsed().toNanos() / 1e9);
        out.add("packed " + r.source().kind() + " " + r.source().prefix() + " (Python " + r.python() + ") -> "
                + r.output() + " [" + r.format() + "]");
        String ratio = r.bytesIn() == 0 ? "" : String.format(" (%.1f %%)", 100.0 * r.bytesOut() / r.bytesIn());
        out.add(String.format("  %,d files, %s in, %s out%s, %.1f s, %s/s", r.files(), bytes(r.bytesIn()),
                bytes(r.bytesOut()), ratio, seconds, bytes((long) (r.bytesIn() / seconds))));
        if (r.shebangs() > 0) {
            out.add("  " + r.shebangs() + " bin/ script(s) now find their interpreter on PATH");
        }
        if (r.rewritten() > 0) {
            out.add("  " + r.rewritten() + " file(s) rewritten for --dest-prefix");
        }
        if (r.prefixFiles() > 0) {
            out.add("  " + r.prefixFiles() + " file(s) still hold the old prefix (Triton never runs an unpack step; "
                    + "--dest-prefix PATH rewrites them for a known location): " + String.join(", ", r.prefixExamples())
                    + (r.prefixFiles() > r.prefixExamples().size() ? ", ..." : ""));
        }
        return out;
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
