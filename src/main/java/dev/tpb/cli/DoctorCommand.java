package dev.tpb.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.doctor.Check;
import dev.tpb.doctor.Doctor;
import dev.tpb.util.CacheDirs;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "doctor", description = "Check this machine for what tpb needs: Java, a C compiler, Pythons with shared "
        + "libpython and headers, /dev/shm, allocators, tpb's cache and the stubs in a backends directory.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:nothing failed (warnings may remain)", "1:something tpb needs is missing"})
final class DoctorCommand extends TpbSubcommand {
    @Option(names = "--backends-dir", paramLabel = "DIR", description = "Stubs to check (default: ./backends).")
    Path backendsDir = Path.of("backends");

    @Option(names = "--json", description = "Print the checks as JSON.")
    boolean json;

    @Override
    protected int run() throws Exception {
        List<Check> checks = new Doctor(System.getenv(), CacheDirs.root(), backendsDir, console()).run();
        boolean failed = checks.stream().anyMatch(c -> c.status() == Check.Status.FAIL);
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode array = mapper.createArrayNode();
            for (Check c : checks) {
                ObjectNode o = array.addObject();
                o.put("area", c.area());
                o.put("status", c.status().name().toLowerCase());
                o.put("detail", c.detail());
                o.put("advice", c.advice());
            }
            console().out().println(mapper.writeValueAsString(array));
        } else {
            for (Check c : checks) {
                String mark = switch (c.status()) {
                    case OK -> "@|green ok  |@";
                    case INFO -> "@|faint -   |@";
                    case WARN -> "@|yellow warn|@";
                    case FAIL -> "@|bold,red FAIL|@";
                };
                console().out().println(console().style(mark) + "  " + c.area() + ": " + c.detail()
                        + (c.advice().isEmpty() ? "" : " -> " + c.advice()));
            }
            console().out().flush();
        }
        return failed ? Main.FAILURE : Main.OK;
    }
}
