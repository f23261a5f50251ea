package dev.tpb.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.python.PythonFinder;
import dev.tpb.python.PythonInstall;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "python", description = "Show the Python interpreters tpb can build stubs and environments for.",
        subcommands = PythonCommand.ListCommand.class)
final class PythonCommand extends TpbSubcommand {
    @Override
    protected int run() {
        spec.commandLine().usage(console().err());
        return Main.USAGE;
    }

    @Command(name = "list", description = "List the CPython interpreters found: $CONDA_PREFIX, conda environments, "
            + "pyenv versions, python3.X on PATH, /usr/bin (the order in which --python 3.X picks one).")
    static final class ListCommand extends TpbSubcommand {
        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        protected int run() throws Exception {
            List<PythonInstall> found = PythonFinder.system(console()).all();
            if (json) {
                ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                ArrayNode array = mapper.createArrayNode();
                for (PythonInstall p : found) {
                    ObjectNode o = array.addObject();
                    o.put("version", p.version().toString());
                    o.put("executable", p.executable().toString());
                    o.put("source", p.source());
                    o.put("prefix", p.prefix().toString());
                    o.put("base_prefix", p.basePrefix().toString());
                    o.put("shared_libpython", p.libpython().map(Object::toString).orElse(null));
                    o.put("include_dir", p.includeDir().toString());
                    o.put("headers", p.hasHeaders());
                    o.put("soabi", p.soabi());
                    o.put("stub_supported", p.version().compareTo(PythonFinder.OLDEST_SUPPORTED) >= 0);
                }
                console().out().println(mapper.writeValueAsString(array));
                return Main.OK;
            }
            if (found.isEmpty()) {
                console().warn("no CPython 3 interpreter found (searched $CONDA_PREFIX, conda, pyenv, PATH, /usr/bin)");
                return Main.FAILURE;
            }
            Table table = new Table("VERSION", "SHARED", "HEADERS", "SOURCE", "EXECUTABLE");
            for (PythonInstall p : found) {
                String version = p.version().toString()
                        + (p.version().compareTo(PythonFinder.OLDEST_SUPPORTED) < 0 ? " (too old)" : "");
                table.row(version, p.hasSharedLibpython() ? "yes" : "no", p.hasHeaders() ? "yes" : "no",
                        p.source(), p.executable().toString());
            }
            table.print(console().out());
            return Main.OK;
        }
    }
}
