package dev.tpb.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tpb.Reporter;
import dev.tpb.runtime.StubOutput;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * tpb run's log on stderr: its own messages and every line the stubs print, as text ("[stub] line") or, with
 * --log-format json, one JSON object per line ({"time", "level", "source", "message", ...}).
 */
final class RunLog implements Reporter, StubOutput {
    enum Format { text, json }

    private static final JsonFactory JSON = new JsonFactory();

    private final Console console;
    private final Format format;

    RunLog(Console console, Format format) {
        this.console = console;
        this.format = format;
    }

    Format format() {
        return format;
    }

    @Override
    public void info(String message) {
        if (format == Format.json) {
            emit("info", "tpb", message, Map.of());
        } else {
            console.info(message);
        }
    }

    @Override
    public void warn(String message) {
        if (format == Format.json) {
            emit("warning", "tpb", message, Map.of());
        } else {
            console.warn(message);
        }
    }

    @Override
    public void debug(String message) {
        if (!console.verbose()) {
            return;
        }
        if (format == Format.json) {
            emit("debug", "tpb", message, Map.of());
        } else {
            console.debug(message);
        }
    }

    void error(String message) {
        if (format == Format.json) {
            emit("error", "tpb", message, Map.of());
        } else {
            console.error(message);
        }
    }

    @Override
    public void line(String stubName, String line) {
        // Verbose log lines (pb_utils.Logger.log_verbose) only with --verbose, as Triton with --log-verbose.
        boolean verboseLine = line.startsWith("V") && line.length() > 1 && Character.isDigit(line.charAt(1));
        if ((verboseLine && !console.verbose()) || console.quiet()) {
            return;
        }
        if (format == Format.json) {
            emit("info", stubName, line, Map.of());
        } else {
            synchronized (console) {
                console.err().println("[" + stubName + "] " + line);
                console.err().flush();
            }
        }
    }

    /** A structured event (json) — used for the model table. */
    void event(String message, Map<String, String> fields) {
        emit("info", "tpb", message, fields);
    }

    private void emit(String level, String source, String message, Map<String, String> fields) {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.now().toString());
            g.writeStringField("level", level);
            g.writeStringField("source", source);
            g.writeStringField("message", message);
            for (Map.Entry<String, String> f : fields.entrySet()) {
                g.writeStringField(f.getKey(), f.getValue());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (console) {
            console.err().println(w);
            console.err().flush();
        }
    }
}
