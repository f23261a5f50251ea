package dev.tpb.runtime;

import static dev.tpb.testing.Models.bytes;
import static dev.tpb.testing.Models.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.testing.Captured;
import dev.tpb.testing.Models;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pb_utils.Logger and the server's log settings. Expectations: python_backend src/pb_stub_log.cc (the caller's file and
 * line; before the stub's queues are up every line is written, unfiltered), core src/tritonserver.cc
 * TRITONSERVER_LogMessage (VERBOSE only with a verbose level >= 1, printed with the letter I), common src/logging.cc
 * (the "LMMDD hh:mm:ss.uuuuuu pid file:line] msg" and ISO8601 forms).
 */
class LoggingTest {
    private static void run(ModelManager manager, String tag) {
        try (InferResult r = manager.model("logging_levels").orElseThrow().submit(request(bytes("TAG", tag))).join()) {
            assertTrue(r.error().isEmpty(), () -> r.error().toString());
        }
    }

    private static List<String> linesOf(Captured log, String tag) {
        return log.lines().stream().filter(l -> l.contains("] " + tag + "-")).toList();
    }

    @Test
    void levelsFollowTheLogSettings(@TempDir Path repo) {
        Models.copy(repo, "logging_levels");
        Captured log = new Captured();
        try (ModelManager manager = new ModelManager(repo, Models.options(Allocator.SYSTEM, ActivationMode.direct),
                log, log)) {
            Models.loadOnly(manager, "logging_levels");
            log.await(l -> l.contains("model.py:3] import-verbose"), "the import-time verbose line (unfiltered)");
            run(manager, "a");
            log.await(l -> l.endsWith("] a-log"), "the last line of a"); // stderr comes through a pipe: wait for it
            List<String> a = linesOf(log, "a");
            assertEquals(4, a.size(), a::toString);
            assertTrue(a.get(0).matches("\\[logging_levels_0_0\\] I\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{6} \\d+ model\\.py:10\\] "
                    + "a-info"), a.get(0));
            assertTrue(a.get(1).contains(" model.py:11] a-warning") && a.get(1).contains("] W"), a.get(1));
            assertTrue(a.get(2).contains(" model.py:12] a-error") && a.get(2).contains("] E"), a.get(2));
            assertTrue(a.get(3).endsWith("model.py:14] a-log"), a.get(3));

            manager.logSettings(LogSettings.DEFAULT.withVerbose(1));
            run(manager, "b");
            log.await(l -> l.endsWith("] b-log"), "the last line of b");
            assertTrue(linesOf(log, "b").stream().anyMatch(l -> l.contains("] I") && l.endsWith("model.py:13] b-verbose")),
                    () -> linesOf(log, "b").toString());

            manager.logSettings(LogSettings.DEFAULT.withInfo(false).withWarning(false));
            run(manager, "c");
            run(manager, "c2"); // the lines of c are out once those of c2 are
            log.await(l -> l.endsWith("] c2-error"), "the last line of c2");
            assertEquals(List.of("c-error"), linesOf(log, "c").stream().map(l -> l.substring(l.indexOf("] c-") + 2))
                    .toList());

            manager.logSettings(LogSettings.DEFAULT.withFormat("ISO8601"));
            run(manager, "d");
            log.await(l -> l.endsWith("] d-log"), "the last line of d");
            String iso = linesOf(log, "d").get(0);
            assertTrue(iso.matches("\\[logging_levels_0_0\\] \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ I \\d+ model\\.py:10\\] "
                    + "d-info"), iso);
        }
    }
}
