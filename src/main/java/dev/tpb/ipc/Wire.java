package dev.tpb.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.TpbException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bodies of the stub protocol (docs/protocol.md), written and read in this one place: EXECUTE and EXECUTE_RESULT
 * in Python's marshal format ({@link Marshal}), the rest JSON.
 */
public final class Wire {
    static final ObjectMapper JSON = new ObjectMapper();

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

    /** The EXECUTE body (Python marshal, see {@link Marshal}). */
    static byte[] execute(long arena, List<Request> requests) {
        Marshal.Writer w = new Marshal.Writer();
        w.dict().key("arena").integer(arena).key("requests").list(requests.size());
        for (Request r : requests) {
            w.dict().key("id").string(r.id() == null ? "" : r.id());
            w.key("correlation_id");
            if (r.correlationId() instanceof String s) {
                w.string(s);
            } else {
                w.integer(r.correlationId() == null ? 0 : ((Number) r.correlationId()).longValue());
            }
            w.key("flags").integer(r.flags());
            w.key("timeout").integer(r.timeoutMicros());
            w.key("parameters").string(r.parametersJson() == null ? "{}" : r.parametersJson());
            w.key("requested_outputs").list(r.requestedOutputs().size());
            for (String name : r.requestedOutputs()) {
                w.string(name);
            }
            w.key("inputs").list(r.inputs().size());
            for (Tensor t : r.inputs()) {
                writeTensor(w, t);
            }
            w.endDict();
        }
        return w.endDict().bytes();
    }

    private static void writeTensor(Marshal.Writer w, Tensor t) {
        w.dict().key("name").string(t.name()).key("datatype").string(t.datatype());
        w.key("shape").list(t.shape().length);
        for (long d : t.shape()) {
            w.integer(d);
        }
        w.key("offset").integer(t.offset()).key("nbytes").integer(t.nbytes()).endDict();
    }

    /** Reads an EXECUTE_RESULT body (Python marshal); a body that is not what docs/protocol.md says is an error. */
    static ExecuteResult executeResult(byte[] body) {
        Map<String, Object> root = dict(Marshal.read(body), "the result");
        String error = root.get("error") instanceof String e ? e : null;
        List<Response> responses = new ArrayList<>();
        for (Object item : list(root.get("responses"), "responses")) {
            Map<String, Object> r = dict(item, "a response");
            Error err = null;
            if (r.get("error") instanceof Map<?, ?> e) {
                err = new Error(e.get("message") instanceof String message ? message : "",
                        e.get("code") instanceof String code ? code : "INTERNAL");
            }
            List<Tensor> outputs = new ArrayList<>();
            for (Object o : list(r.get("outputs"), "outputs")) {
                Map<String, Object> t = dict(o, "an output");
                List<Object> dims = list(t.get("shape"), "shape");
                long[] shape = new long[dims.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = number(dims.get(i), "shape");
                }
                outputs.add(new Tensor(text(t.get("name"), "name"), text(t.get("datatype"), "datatype"), shape,
                        number(t.get("offset"), "offset"), number(t.get("nbytes"), "nbytes")));
            }
            responses.add(new Response(err, r.get("parameters") instanceof String p ? p : "", outputs));
        }
        long executeNanos = root.get("execute_ns") instanceof Long n ? n : 0;
        return new ExecuteResult(error, responses, ranges(root.get("pins"), "pins"), ranges(root.get("unpins"), "unpins"),
                executeNanos);
    }

    private static List<long[]> ranges(Object value, String field) {
        List<long[]> ranges = new ArrayList<>();
        for (Object item : list(value, field)) {
            List<Object> pair = list(item, field);
            if (pair.size() != 2) {
                throw malformed(field + " holds a range that is not [offset, length]");
            }
            ranges.add(new long[] {number(pair.get(0), field), number(pair.get(1), field)});
        }
        return ranges;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dict(Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw malformed(what + " is not a dict");
    }

    /** A list; a missing field is an empty one. */
    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value, String field) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw malformed("'" + field + "' is not a list");
    }

    private static long number(Object value, String field) {
        if (value instanceof Long n) {
            return n;
        }
        throw malformed("'" + field + "' is not an integer");
    }

    private static String text(Object value, String field) {
        if (value instanceof String s) {
            return s;
        }
        throw malformed("'" + field + "' is not a string");
    }

    private static TpbException malformed(String what) {
        return new TpbException("the stub sent an EXECUTE_RESULT tpb cannot read: " + what);
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
