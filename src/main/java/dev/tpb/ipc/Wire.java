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
 * The bodies of the stub protocol (docs/protocol.md), written and read in this one place: EXECUTE, EXECUTE_RESULT,
 * RESPONSE, INFER, INFER_RESPONSE and RELEASE in Python's marshal format ({@link Marshal}), the rest JSON.
 */
public final class Wire {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final long[] NONE = new long[0];

    private Wire() {
    }

    /** A tensor's place in the heap. {@code shape} is as the model declared it (any rank, incl. 0). */
    public record Tensor(String name, String datatype, long[] shape, long offset, long nbytes) {
    }

    /**
     * A request of an EXECUTE ({@code rid}: the launcher's id for it, which RESPONSE messages name; {@code cancelSlot}:
     * its byte in the cancel table, -1 for none), or of an INFER (both 0).
     */
    public record Request(long rid, int cancelSlot, String id, Object correlationId, long flags, long timeoutMicros,
                          String parametersJson, List<String> requestedOutputs, List<Tensor> inputs) {
    }

    public record Error(String message, String code) {
    }

    /** {@code holds}: blocks of the stub's heap this response keeps (its outputs); give each back once written. */
    public record Response(Error error, String parametersJson, List<Tensor> outputs, long[] holds) {
    }

    /**
     * {@code responses} holds one entry per request, null where the request answers through its response sender or
     * was rescheduled ({@code reschedule}: their indices). {@code executeNanos}: the stub's own time for it.
     */
    public record ExecuteResult(String error, List<Response> responses, int[] reschedule, List<long[]> pins,
                                long executeNanos) {
    }

    /**
     * A response sent through a request's response sender, or (null, final) the final flag alone; {@code abandoned}:
     * the model let go of the request without ever sending its final response.
     */
    public record ResponseMessage(int flags, Response response, boolean abandoned) {
        public boolean last() {
            return (flags & 1) != 0;
        }
    }

    /** A BLS request of the stub: its inputs lie in the stub's region; {@code holds} are released once copied. */
    public record InferCall(String model, long version, boolean decoupled, Request request, long[] holds) {
    }

    public record Hello(int protocol, String python, long pid, String executable, String prefix, String error) {
    }

    // ---- launcher -> stub --------------------------------------------------------------------------------------

    /** The EXECUTE body (Python marshal, see {@link Marshal}). */
    static byte[] execute(List<Request> requests) {
        Marshal.Writer w = new Marshal.Writer();
        w.dict().key("requests").list(requests.size());
        for (Request r : requests) {
            w.dict().key("rid").integer(r.rid()).key("cancel").integer(r.cancelSlot());
            w.key("id").string(r.id() == null ? "" : r.id());
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

    /** An INFER_RESPONSE: one response of a BLS request ({@code response} null: the empty final one). */
    static byte[] inferResponse(boolean last, Error error, String parametersJson, List<Tensor> outputs) {
        Marshal.Writer w = new Marshal.Writer();
        w.dict().key("final").bool(last).key("response");
        if (error == null && outputs == null) {
            w.none();
        } else {
            w.dict().key("error");
            if (error == null) {
                w.none();
            } else {
                w.dict().key("message").string(error.message()).key("code").string(error.code()).endDict();
            }
            w.key("parameters").string(parametersJson == null ? "" : parametersJson);
            List<Tensor> list = outputs == null ? List.of() : outputs;
            w.key("outputs").list(list.size());
            for (Tensor t : list) {
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

    // ---- stub -> launcher --------------------------------------------------------------------------------------

    /** A decoded marshal body: the map, and the launcher ranges it reports released ("unpins", any message). */
    record Body(Map<String, Object> map, List<long[]> unpins) {
    }

    static Body body(byte[] raw, String what) {
        Map<String, Object> root = dict(Marshal.read(raw), what);
        return new Body(root, ranges(root.get("unpins"), "unpins"));
    }

    /** Reads an EXECUTE_RESULT body; a body that is not what docs/protocol.md says is an error. */
    static ExecuteResult executeResult(Map<String, Object> root) {
        String error = root.get("error") instanceof String e ? e : null;
        List<Response> responses = new ArrayList<>();
        for (Object item : list(root.get("responses"), "responses")) {
            responses.add(item == null ? null : response(item));
        }
        List<Object> rescheduled = list(root.get("reschedule"), "reschedule");
        int[] reschedule = new int[rescheduled.size()];
        for (int i = 0; i < reschedule.length; i++) {
            reschedule[i] = (int) number(rescheduled.get(i), "reschedule");
        }
        long executeNanos = root.get("execute_ns") instanceof Long n ? n : 0;
        return new ExecuteResult(error, responses, reschedule, ranges(root.get("pins"), "pins"), executeNanos);
    }

    static ResponseMessage responseMessage(Map<String, Object> root) {
        Object r = root.get("response");
        return new ResponseMessage((int) number(root.getOrDefault("flags", 0L), "flags"), r == null ? null : response(r),
                Boolean.TRUE.equals(root.get("abandoned")));
    }

    static InferCall inferCall(Map<String, Object> root) {
        Map<String, Object> r = dict(root.get("request"), "the request");
        List<Tensor> inputs = new ArrayList<>();
        for (Object o : list(r.get("inputs"), "inputs")) {
            inputs.add(tensor(o));
        }
        List<String> requested = new ArrayList<>();
        for (Object o : list(r.get("requested_outputs"), "requested_outputs")) {
            requested.add(text(o, "requested_outputs"));
        }
        Object correlation = r.get("correlation_id");
        if (!(correlation instanceof String)) {
            correlation = number(correlation == null ? 0L : correlation, "correlation_id");
        }
        Request request = new Request(0, -1, text(r.getOrDefault("id", ""), "id"), correlation,
                number(r.getOrDefault("flags", 0L), "flags"), number(r.getOrDefault("timeout", 0L), "timeout"),
                text(r.getOrDefault("parameters", "{}"), "parameters"), requested, inputs);
        return new InferCall(text(root.get("model"), "model"), number(root.getOrDefault("version", -1L), "version"),
                Boolean.TRUE.equals(root.get("decoupled")), request, offsets(root.get("holds"), "holds"));
    }

    private static Response response(Object item) {
        Map<String, Object> r = dict(item, "a response");
        Error err = null;
        if (r.get("error") instanceof Map<?, ?> e) {
            err = new Error(e.get("message") instanceof String message ? message : "",
                    e.get("code") instanceof String code ? code : "INTERNAL");
        }
        List<Tensor> outputs = new ArrayList<>();
        for (Object o : list(r.get("outputs"), "outputs")) {
            outputs.add(tensor(o));
        }
        return new Response(err, r.get("parameters") instanceof String p ? p : "", outputs,
                offsets(r.get("holds"), "holds"));
    }

    private static Tensor tensor(Object o) {
        Map<String, Object> t = dict(o, "a tensor");
        List<Object> dims = list(t.get("shape"), "shape");
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = number(dims.get(i), "shape");
        }
        return new Tensor(text(t.get("name"), "name"), text(t.get("datatype"), "datatype"), shape,
                number(t.get("offset"), "offset"), number(t.get("nbytes"), "nbytes"));
    }

    private static long[] offsets(Object value, String field) {
        List<Object> items = list(value, field);
        if (items.isEmpty()) {
            return NONE;
        }
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(items.get(i), field);
        }
        return out;
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
        return new TpbException("the stub sent a message tpb cannot read: " + what);
    }

    // ---- JSON messages -----------------------------------------------------------------------------------------

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

    /** The CALL_RESULT of a model-control call: its error (Triton's words) or its value. */
    public static byte[] callResult(String error, JsonNode value) {
        ObjectNode body = JSON.createObjectNode();
        if (error != null) {
            body.put("error", error);
        } else {
            body.putNull("error");
            body.set("value", value);
        }
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
