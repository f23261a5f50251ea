package dev.tpb.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tpb.Reporter;
import dev.tpb.runtime.LogSettings;
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
    /** Which of tpb's own lines show (--log-info, --log-warning, --log-error; /v2/logging changes them). */
    private volatile java.util.function.Supplier<LogSettings> settings = () -> LogSettings.DEFAULT;

    RunLog(Console console, Format format) {
        this.console = console;
        this.format = format;
    }

    void settings(java.util.function.Supplier<LogSettings> source) {
        this.settings = source;
    }

    Format format() {
        return format;
    }

    @Override
    public void info(String message) {
        if (!settings.get().info()) {
            return;
        }
        if (format == Format.json) {
            emit("info", "tpb", message, Map.of());
        } else {
            console.info(message);
        }
    }

    @Override
    public void warn(String message) {
        if (!settings.get().warning()) {
            return;
        }
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
        if (!settings.get().error()) {
            return;
        }
        if (format == Format.json) {
            emit("error", "tpb", message, Map.of());
        } else {
            console.error(message);
        }
    }

    /** A line a stub printed (pb_utils.Logger lines: the stub has already applied the log settings). */
    @Override
    public void line(String stubName, String line) {
        if (console.quiet()) {
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
