package dev.tpb.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.TpbException;
import dev.tpb.runtime.TensorJson;
import dev.tpb.runtime.DataType;
import dev.tpb.runtime.ErrorCode;
import dev.tpb.runtime.InferError;
import dev.tpb.runtime.InferInput;
import dev.tpb.runtime.InferOutput;
import dev.tpb.runtime.InferRequest;
import dev.tpb.runtime.InferResult;
import dev.tpb.runtime.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A client for a KServe v2 HTTP server (tpb run or Triton) that speaks like tritonclient's HTTP client: inputs
 * and outputs in the binary tensor data extension, no Content-Type, optional gzip both ways.
 */
public final class KServeClient {
    private final URI base;
    private final boolean gzip;
    private final HttpClient http;

    /** {@code url}: http://HOST:PORT (a missing scheme means http://). */
    public KServeClient(String url, boolean gzip) {
        String u = url.contains("://") ? url : "http://" + url;
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        try {
            this.base = URI.create(u);
        } catch (IllegalArgumentException e) {
            throw new TpbException("--url " + url + ": not a valid URL");
        }
        if (!"http".equals(base.getScheme()) || base.getHost() == null) {
            throw new TpbException("--url " + url + ": expected http://HOST:PORT");
        }
        this.gzip = gzip;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(60)).build();
    }

    public String url() {
        return base.toString();
    }

    /** GET /v2/health/live. */
    public boolean live() {
        return send(HttpRequest.newBuilder(uri("/v2/health/live")).GET()).statusCode() == 200;
    }

    /** The model's configuration (GET /v2/models/{m}/config). */
    public ModelSpec config(String model) {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri(modelPath(model, "") + "/config")).GET());
        JsonNode json = parse(body(r));
        if (r.statusCode() != 200) {
            throw new TpbException("[" + r.statusCode() + "] " + json.path("error").asText(new String(body(r),
                    StandardCharsets.UTF_8)));
        }
        if (!json.isObject()) {
            throw new TpbException(url() + " answered the configuration of '" + model + "' with something that is not "
                    + "a JSON object");
        }
        return ModelSpec.of((ObjectNode) json);
    }

    /**
     * Sends one inference request ({@code version} empty: the server's choice). A refusal or a model error
     * comes back as a failed result carrying the server's message and the code its HTTP status stands for.
     */
    public InferResult infer(String model, String version, InferRequest request) {
        ByteArrayOutputStream json = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.FACTORY.createGenerator(json)) {
            writeRequest(g, request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int headerLength = json.size();
        for (InferInput in : request.inputs()) {
            ByteBuffer d = in.data().duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            json.writeBytes(bytes);
        }
        byte[] body = json.toByteArray();
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(modelPath(model, version) + "/infer"))
                .header("Inference-Header-Content-Length", Integer.toString(headerLength));
        if (gzip) {
            body = Compression.GZIP.compress(List.of(ByteBuffer.wrap(body)));
            b.header("Content-Encoding", "gzip").header("Accept-Encoding", "gzip");
        }
        HttpResponse<byte[]> r = send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        byte[] bytes = body(r);
        if (r.statusCode() != 200) {
            JsonNode error = parse(bytes);
            String message = error.path("error").isTextual() ? error.path("error").asText()
                    : bytes.length == 0 ? "client received an empty response from the server."
                    : new String(bytes, StandardCharsets.UTF_8);
            return InferResult.failed(model, version.isEmpty() ? -1 : Long.parseLong(version), request.id(),
                    new InferError(message, codeOf(r.statusCode())));
        }
        return readResponse(r, bytes, model, request.id());
    }

    private static void writeRequest(JsonGenerator g, InferRequest request) throws IOException {
        g.writeStartObject();
        if (request.id() != null && !request.id().isEmpty()) {
            g.writeStringField("id", request.id());
        }
        g.writeObjectFieldStart("parameters");
        Object correlation = request.correlationId();
        boolean sequence = correlation instanceof String s ? !s.isEmpty() : correlation instanceof Number n && n.longValue() != 0;
        if (sequence) {
            if (correlation instanceof String s) {
                g.writeStringField("sequence_id", s);
            } else {
                g.writeNumberField("sequence_id", ((Number) correlation).longValue());
            }
            g.writeBooleanField("sequence_start", (request.flags() & 1) != 0);
            g.writeBooleanField("sequence_end", (request.flags() & 2) != 0);
        }
        if (request.timeoutMicros() > 0) {
            g.writeNumberField("timeout", request.timeoutMicros());
        }
        JsonNode custom = request.parametersJson() == null || request.parametersJson().isBlank() ? null
                : Json.MAPPER.readTree(request.parametersJson());
        if (custom != null && custom.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = custom.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                g.writeFieldName(e.getKey());
                Json.MAPPER.writeTree(g, e.getValue());
            }
        }
        if (request.requestedOutputs().isEmpty()) {
            g.writeBooleanField("binary_data_output", true);
        }
        g.writeEndObject();
        g.writeArrayFieldStart("inputs");
        for (InferInput in : request.inputs()) {
            g.writeStartObject();
            g.writeStringField("name", in.name());
            g.writeArrayFieldStart("shape");
            for (long d : in.shape()) {
                g.writeNumber(d);
            }
            g.writeEndArray();
            g.writeStringField("datatype", in.datatype().name());
            g.writeObjectFieldStart("parameters");
            g.writeNumberField("binary_data_size", in.data().remaining());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        if (!request.requestedOutputs().isEmpty()) {
            g.writeArrayFieldStart("outputs");
            for (String name : request.requestedOutputs()) {
                g.writeStartObject();
                g.writeStringField("name", name);
                g.writeObjectFieldStart("parameters");
                g.writeBooleanField("binary_data", true);
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static InferResult readResponse(HttpResponse<byte[]> r, byte[] bytes, String model, String id) {
        int headerLength = r.headers().firstValue("Inference-Header-Content-Length").map(Integer::parseInt)
                .orElse(bytes.length);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes, 0, headerLength);
        } catch (IOException e) {
            throw new TpbException("the server's response is not valid JSON: " + e.getMessage());
        }
        List<InferOutput> outputs = new ArrayList<>();
        int offset = headerLength;
        for (JsonNode o : root.path("outputs")) {
            DataType type = DataType.parse(o.path("datatype").asText()).orElseThrow(() -> new TpbException(
                    "the server answered an unknown datatype: " + o.path("datatype")));
            long[] shape = new long[o.path("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = o.path("shape").get(i).asLong();
            }
            ByteBuffer data;
            JsonNode size = o.path("parameters").path("binary_data_size");
            if (size.isIntegralNumber()) {
                int n = size.intValue();
                if (offset + n > bytes.length) {
                    throw new TpbException("the server's response is shorter than its binary_data_size values");
                }
                data = ByteBuffer.wrap(bytes, offset, n).slice();
                offset += n;
            } else {
                data = TensorJson.read(o.path("name").asText(), o.path("data"), type, TensorJson.elementCount(shape),
                        Integer.MAX_VALUE - 16);
            }
            outputs.add(new InferOutput(o.path("name").asText(), type, shape,
                    data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN)));
        }
        String parameters = root.has("parameters") ? root.get("parameters").toString() : "";
        long version = Long.parseLong(root.path("model_version").asText("-1"));
        return new InferResult(root.path("model_name").asText(model), version, root.path("id").asText(id), parameters,
                outputs, null, () -> { });
    }

    private static ErrorCode codeOf(int status) {
        return switch (status) {
            case 404 -> ErrorCode.NOT_FOUND;
            case 500 -> ErrorCode.INTERNAL;
            case 501 -> ErrorCode.UNSUPPORTED;
            case 503 -> ErrorCode.UNAVAILABLE;
            default -> ErrorCode.INVALID_ARG;
        };
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static String modelPath(String model, String version) {
        String m = URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20");
        return "/v2/models/" + m + (version == null || version.isEmpty() ? "" : "/versions/" + version);
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new TpbException("cannot connect to " + url() + " (is 'tpb run' listening there?)");
        } catch (IOException e) {
            throw new TpbException("request to " + url() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException("interrupted while waiting for " + url());
        }
    }

    /** The response body, decompressed when the server compressed it. */
    private static byte[] body(HttpResponse<byte[]> r) {
        String encoding = r.headers().firstValue("Content-Encoding").orElse("");
        if (encoding.isEmpty() || encoding.equals("identity")) {
            return r.body();
        }
        Compression c = Compression.ofContentEncoding(encoding);
        ByteBuffer out = c.decompress(ByteBuffer.wrap(r.body()), Integer.MAX_VALUE - 16);
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            JsonNode n = bytes.length == 0 ? null : Json.MAPPER.readTree(bytes);
            return n == null ? Json.MAPPER.createObjectNode() : n;
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }
}
