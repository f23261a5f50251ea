package dev.tpb.ipc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.TpbException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The JSON bodies of the stub protocol (docs/protocol.md), written and read in this one place. */
public final class Wire {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    private Wire() {
    }

    /** A tensor's place in the heap. {@code shape} is as the model declared it (any rank, incl. 0). */
    public record Tensor(String name, String datatype, long[] shape, long offset, long nbytes) {
    }

    public record Request(String id, Object correlationId, long flags, long timeoutMicros, String parametersJson,
                          List<String> requestedOutputs, List<Tensor> inputs) {
    }

    public record Error(String message, String code) {
    }

    public record Response(Error error, String parametersJson, List<Tensor> outputs) {
    }

    /** {@code executeNanos}: the stub's own time for the EXECUTE (0 from a stub that does not say). */
    public record ExecuteResult(String error, List<Response> responses, List<long[]> pins, List<long[]> unpins,
                                long executeNanos) {
    }

    public record Hello(int protocol, String python, long pid, String executable, String prefix, String error) {
    }

    static byte[] execute(long arena, List<Request> requests) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("arena", arena);
            g.writeArrayFieldStart("requests");
            for (Request r : requests) {
                g.writeStartObject();
                g.writeStringField("id", r.id() == null ? "" : r.id());
                if (r.correlationId() instanceof String s) {
                    g.writeStringField("correlation_id", s);
                } else {
                    g.writeNumberField("correlation_id", r.correlationId() == null ? 0 : ((Number) r.correlationId()).longValue());
                }
                g.writeNumberField("flags", r.flags());
                g.writeNumberField("timeout", r.timeoutMicros());
                g.writeStringField("parameters", r.parametersJson() == null ? "{}" : r.parametersJson());
                g.writeArrayFieldStart("requested_outputs");
                for (String name : r.requestedOutputs()) {
                    g.writeString(name);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("inputs");
                for (Tensor t : r.inputs()) {
                    writeTensor(g, t);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeTensor(JsonGenerator g, Tensor t) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", t.name());
        g.writeStringField("datatype", t.datatype());
        g.writeArrayFieldStart("shape");
        for (long d : t.shape()) {
            g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeNumberField("offset", t.offset());
        g.writeNumberField("nbytes", t.nbytes());
        g.writeEndObject();
    }

    static ExecuteResult executeResult(byte[] body) {
        JsonNode root = parse(body);
        String error = root.path("error").isTextual() ? root.path("error").asText() : null;
        List<Response> responses = new ArrayList<>();
        for (JsonNode r : root.path("responses")) {
            JsonNode e = r.path("error");
            Error err = e.isObject() ? new Error(e.path("message").asText(), e.path("code").asText("INTERNAL")) : null;
            List<Tensor> outputs = new ArrayList<>();
            for (JsonNode t : r.path("outputs")) {
                JsonNode shapeNode = t.path("shape");
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asLong();
                }
                outputs.add(new Tensor(t.path("name").asText(), t.path("datatype").asText(), shape,
                        t.path("offset").asLong(), t.path("nbytes").asLong()));
            }
            responses.add(new Response(err, r.path("parameters").asText(""), outputs));
        }
        return new ExecuteResult(error, responses, ranges(root.path("pins")), ranges(root.path("unpins")),
                root.path("execute_ns").asLong(0));
    }

    private static List<long[]> ranges(JsonNode array) {
        List<long[]> list = new ArrayList<>();
        for (JsonNode r : array) {
            list.add(new long[] {r.get(0).asLong(), r.get(1).asLong()});
        }
        return list;
    }

    static Hello hello(byte[] body) {
        JsonNode n = parse(body);
        return new Hello(n.path("protocol").asInt(), n.path("python").asText(""), n.path("pid").asLong(),
                n.path("executable").asText(""), n.path("prefix").asText(""),
                n.path("error").isTextual() ? n.path("error").asText() : null);
    }

    /** {"error": "..."} of a result, or null. */
    public static String errorOf(JsonNode result) {
        return result.path("error").isTextual() ? result.path("error").asText() : null;
    }

    public static byte[] initializeBody(ObjectNode args, boolean decoupled) {
        ObjectNode body = JSON.createObjectNode();
        body.set("args", args);
        body.put("decoupled", decoupled);
        return bytes(body);
    }

    public static byte[] autoCompleteBody(JsonNode modelConfig) {
        ObjectNode body = JSON.createObjectNode();
        body.set("model_config", modelConfig);
        return bytes(body);
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(byte[] body) {
        try {
            return body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new TpbException("the stub sent a message that is not valid JSON: " + e.getMessage(), e);
        }
    }
}
