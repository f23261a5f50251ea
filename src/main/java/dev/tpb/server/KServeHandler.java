package dev.tpb.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.BuildInfo;
import dev.tpb.TpbException;
import dev.tpb.runtime.FirstResponse;
import dev.tpb.runtime.InferRequest;
import dev.tpb.runtime.InferResult;
import dev.tpb.runtime.RequestHandle;
import dev.tpb.runtime.ResponseSink;
import dev.tpb.runtime.InvalidRequestException;
import dev.tpb.runtime.LoadedModel;
import dev.tpb.runtime.LogSettings;
import dev.tpb.runtime.ModelControlException;
import dev.tpb.runtime.ModelManager;
import dev.tpb.runtime.ModelState;
import dev.tpb.runtime.ModelStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The KServe v2 HTTP endpoints, as Triton serves them (reference/kserve-v2.md): health, server and model
 * metadata, model configuration, inference, statistics and the model repository API.
 */
public final class KServeHandler implements HttpHandler {
    /** The protocol extensions tpb implements (GET /v2). */
    static final List<String> EXTENSIONS = List.of("binary_tensor_data", "model_configuration", "parameters",
            "statistics", "model_repository", "generate", "logging");
    /** Request bodies up to this size are copied, so that the connection can read on while the model works. */
    private static final int SMALL_BODY_BYTES = 64 * 1024;

    private final ModelManager manager;
    private final long maxRequestBytes;
    /** Models that should be serving: the server is ready when all of them are (Triton's strict readiness). */
    private final Set<String> expected = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    public KServeHandler(ModelManager manager, long maxRequestBytes, List<String> loadedNames) {
        this.manager = manager;
        this.maxRequestBytes = maxRequestBytes;
        this.expected.addAll(loadedNames);
    }

    /** From now on the server reports not ready and refuses repository changes. */
    public void stopping() {
        stopping = true;
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        try {
            return route(request);
        } catch (InvalidRequestException e) {
            HttpResponse r = HttpResponse.error(e.httpStatus(), e.getMessage());
            if (e.getMessage().equals("Unsupported compression type")) {
                r.header("Accept-Encoding", "gzip, deflate");
            }
            return r;
        } catch (TpbException e) {
            return HttpResponse.error(stopping ? 503 : 400, e.getMessage());
        }
    }

    private HttpResponse route(HttpRequest request) {
        String path = request.path();
        String method = request.method();
        if (!path.startsWith("/v2")) {
            return notFound();
        }
        List<String> s = segments(path);
        if (s.size() == 1) {
            return get(method, () -> serverMetadata());
        }
        switch (s.get(1)) {
            case "health" -> {
                if (s.size() == 3 && s.get(2).equals("live")) {
                    return get(method, () -> HttpResponse.empty(200));
                }
                if (s.size() == 3 && s.get(2).equals("ready")) {
                    return get(method, () -> HttpResponse.empty(serverReady() ? 200 : 400));
                }
                return notFound();
            }
            case "models" -> {
                return models(request, s);
            }
            case "repository" -> {
                return repository(request, s);
            }
            case "logging" -> {
                if (s.size() != 2) {
                    return notFound();
                }
                return switch (method) {
                    case "GET" -> json(logSettings(manager.logSettings()));
                    case "POST" -> logging(request);
                    default -> HttpResponse.error(405, "Method Not Allowed");
                };
            }
            default -> {
                return notFound();
            }
        }
    }

    private HttpResponse models(HttpRequest request, List<String> s) {
        String method = request.method();
        if (s.size() == 3 && s.get(2).equals("stats")) {
            return get(method, () -> json(ModelJson.statistics(manager.models())));
        }
        if (s.size() < 3) {
            return notFound();
        }
        String name = s.get(2);
        String version = null;
        int next = 3;
        if (s.size() >= 5 && s.get(3).equals("versions")) {
            version = s.get(4);
            if (!version.chars().allMatch(Character::isDigit) || version.isEmpty()) {
                return notFound();
            }
            next = 5;
        }
        String v = version;
        if (s.size() == next) {
            return get(method, () -> metadata(name, v));
        }
        if (s.size() != next + 1) {
            return notFound();
        }
        return switch (s.get(next)) {
            case "ready" -> get(method, () -> modelReady(name, v));
            case "config" -> get(method, () -> json(find(name, v).spec().json()));
            case "stats" -> get(method, () -> json(ModelJson.statistics(statsModels(name, v))));
            case "infer" -> post(method, () -> infer(request, name, v));
            case "generate" -> post(method, () -> generate(request, name, v, false));
            case "generate_stream" -> post(method, () -> generate(request, name, v, true));
            default -> notFound();
        };
    }

    private HttpResponse repository(HttpRequest request, List<String> s) {
        String method = request.method();
        if (s.size() == 3 && s.get(2).equals("index")) {
            return post(method, () -> index(request));
        }
        if (s.size() == 5 && s.get(2).equals("models")) {
            String name = s.get(3);
            return switch (s.get(4)) {
                case "load" -> post(method, () -> load(request, name));
                case "unload" -> post(method, () -> unload(name));
                default -> notFound();
            };
        }
        return notFound();
    }

    // ---- endpoints --------------------------------------------------------------------------------------------

    private HttpResponse serverMetadata() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("name", "tpb");
        root.put("version", BuildInfo.version());
        EXTENSIONS.forEach(root.putArray("extensions")::add);
        return json(root);
    }

    private boolean serverReady() {
        if (stopping) {
            return false;
        }
        for (String name : expected) {
            Optional<LoadedModel> m = manager.model(name);
            if (m.isEmpty() || !m.get().ready()) {
                return false;
            }
        }
        return true;
    }

    private HttpResponse metadata(String name, String version) {
        LoadedModel model = find(name, version);
        List<String> versions = new ArrayList<>();
        if (version != null) {
            versions.add(version);
        } else {
            for (LoadedModel m : manager.models()) {
                if (m.name().equals(name) && m.state() == ModelState.READY) {
                    versions.add(Long.toString(m.version()));
                }
            }
        }
        return json(ModelJson.metadata(model.spec(), versions));
    }

    private HttpResponse modelReady(String name, String version) {
        Optional<LoadedModel> m = version == null ? manager.model(name) : manager.model(name, parseVersion(version));
        if (m.isPresent() && m.get().ready()) {
            return HttpResponse.empty(200);
        }
        return HttpResponse.error(400, "Model version not ready");
    }

    private List<LoadedModel> statsModels(String name, String version) {
        if (version != null) {
            return List.of(find(name, version));
        }
        List<LoadedModel> list = manager.models().stream().filter(m -> m.name().equals(name)).toList();
        if (list.isEmpty()) {
            find(name, null); // throws the right "unknown model" error
        }
        return list;
    }

    private HttpResponse infer(HttpRequest request, String name, String version) {
        LoadedModel model = find(name, version);
        if (model.spec().decoupled()) {
            throw RequestError.unsupported("HTTP end point doesn't support models with decoupled transaction policy");
        }
        // A small body is copied so that the connection can read on while the model works; the answer is then
        // written by the thread that completes it (the instance's, which copied small outputs out of shared memory
        // and may already have sent the stub its next batch). A large body is used in place, and the connection waits.
        boolean small = request.body().remaining() <= SMALL_BODY_BYTES;
        ByteBuffer raw = small ? copy(request.body()) : request.body();
        Compression encoding = Compression.ofContentEncoding(request.header("content-encoding"));
        ByteBuffer body = encoding.decompress(raw, maxRequestBytes);
        long headerLength = inferenceHeaderLength(request.header("inference-header-content-length"), body.remaining());
        InferRequestReader.Parsed parsed = InferRequestReader.read(body, headerLength, model.spec(), maxRequestBytes);
        Compression answer = Compression.forAcceptEncoding(request.header("accept-encoding"));
        FirstResponse sink = new FirstResponse();
        RequestHandle handle = model.submit(parsed.request(), sink, null);
        CompletableFuture<HttpResponse> response = sink.future().thenApply(result -> respond(result, parsed.outputs(),
                answer));
        if (small) {
            // A client that goes away while its request waits cancels it (Triton's HTTP endpoint does not notice)
            request.client().onGone(handle::cancel);
            return HttpResponse.later(response);
        }
        try {
            return response.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestError(503, "interrupted while waiting for model '" + name + "'");
        } catch (ExecutionException e) {
            throw new RequestError(500, "model '" + name + "' failed: " + e.getCause());
        }
    }

    /**
     * Triton's generate extension: the request and its responses in the generate JSON schema ({@link GenerateCodec}).
     * {@code generate} answers with the one response a model gives (decoupled models too); {@code generate_stream}
     * sends each response as a server-sent event as it comes, the status fixed by the first one.
     */
    private HttpResponse generate(HttpRequest request, String name, String version, boolean streaming) {
        LoadedModel model = find(name, version);
        String encoding = request.header("content-encoding");
        if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
            throw RequestError.invalid("Unsupported content-encoding, only 'identity' is supported.");
        }
        InferRequest inference = GenerateCodec.request(request.body(), model.spec(), maxRequestBytes);
        if (streaming) {
            EventStream stream = new EventStream();
            RequestHandle handle = model.submit(inference, new StreamSink(stream), null);
            stream.onClientGone(handle::cancel);
            return HttpResponse.stream(stream, "text/event-stream; charset=utf-8");
        }
        CompletableFuture<HttpResponse> response = new CompletableFuture<>();
        RequestHandle handle = model.submit(inference, new GenerateSink(response), null);
        request.client().onGone(handle::cancel);
        return HttpResponse.later(response);
    }

    /** generate_stream: each response as one event, errors as {"error": ...} events. */
    private static final class StreamSink implements ResponseSink {
        private final EventStream stream;
        private int status;

        StreamSink(EventStream stream) {
            this.stream = stream;
        }

        @Override
        public void onResponse(InferResult result, boolean last) {
            byte[] event = new byte[0];
            if (result != null) {
                try (InferResult r = result) {
                    if (r.error().isPresent()) {
                        event = GenerateCodec.event(Json.errorBody(r.error().get().message()));
                        if (status == 0) {
                            status = r.error().get().code().httpStatus();
                        }
                    } else {
                        event = GenerateCodec.event(GenerateCodec.response(r));
                    }
                } catch (RuntimeException e) {
                    event = GenerateCodec.event(Json.errorBody(e.getMessage()));
                }
            }
            if (status == 0) {
                status = 200;
            }
            stream.push(status, event, last);
        }
    }

    /** generate: the one response; any other number of them is Triton's error, with the first response's status. */
    private static final class GenerateSink implements ResponseSink {
        private final CompletableFuture<HttpResponse> response;
        private InferResult first;
        private int count;

        GenerateSink(CompletableFuture<HttpResponse> response) {
            this.response = response;
        }

        @Override
        public void onResponse(InferResult result, boolean last) {
            if (result != null) {
                if (++count == 1) {
                    first = result;
                } else {
                    result.close();
                }
            }
            if (!last) {
                return;
            }
            try {
                if (count == 1 && first.error().isPresent()) {
                    response.complete(HttpResponse.error(first.error().get().code().httpStatus(),
                            first.error().get().message()));
                } else if (count == 1) {
                    response.complete(HttpResponse.json(200, GenerateCodec.response(first)));
                } else {
                    int status = first != null && first.error().isPresent() ? first.error().get().code().httpStatus()
                            : 200;
                    response.complete(HttpResponse.error(status, GenerateCodec.ONE_RESPONSE));
                }
            } catch (RuntimeException e) {
                response.complete(HttpResponse.error(500, e.getMessage()));
            } finally {
                if (first != null) {
                    first.close();
                }
            }
        }
    }

    private static HttpResponse respond(InferResult result, OutputSelection outputs, Compression answer) {
        try {
            return InferResponseWriter.write(result, outputs, answer);
        } catch (InvalidRequestException e) {
            return HttpResponse.error(e.httpStatus(), e.getMessage());
        }
    }

    private static ByteBuffer copy(ByteBuffer body) {
        byte[] bytes = new byte[body.remaining()];
        body.duplicate().get(bytes);
        return ByteBuffer.wrap(bytes);
    }

    /** Inference-Header-Content-Length: -1 when absent (the whole body is JSON), else validated as Triton does. */
    private static long inferenceHeaderLength(String header, int bodyLength) {
        if (header == null) {
            return -1;
        }
        long value;
        try {
            value = Integer.parseInt(header.trim());
        } catch (NumberFormatException e) {
            throw RequestError.invalid("Unable to parse Inference-Header-Content-Length, got: " + header);
        }
        if (value < 0 || value > bodyLength) {
            throw RequestError.invalid("inference header size should be in range (0, " + bodyLength + "), got: "
                    + header);
        }
        return value;
    }

    /** /v2/logging's body (http_server.cc HandleLogging): every setting, in Triton's order and names. */
    private static ObjectNode logSettings(LogSettings l) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("log_file", "");
        root.put("log_info", l.info());
        root.put("log_warning", l.warning());
        root.put("log_error", l.error());
        root.put("log_verbose_level", l.verbose());
        root.put("log_format", l.format());
        return root;
    }

    /**
     * POST /v2/logging: the settings given are applied in order (one that fails leaves the earlier ones applied, as
     * in Triton); null values are skipped and unknown keys ignored. The answer holds every setting.
     */
    private HttpResponse logging(HttpRequest request) {
        JsonNode body = optionalJson(request.body());
        if (body != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.isNull()) {
                    continue;
                }
                LogSettings now = manager.logSettings();
                switch (e.getKey()) {
                    case "log_file" -> throw RequestError.unsupported(
                            "log file location can not be updated through network protocol");
                    case "log_info" -> manager.logSettings(now.withInfo(bool(v)));
                    case "log_warning" -> manager.logSettings(now.withWarning(bool(v)));
                    case "log_error" -> manager.logSettings(now.withError(bool(v)));
                    case "log_verbose_level" -> {
                        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 0) {
                            throw new RequestError(500, "attempt to access JSON non-unsigned-integer as unsigned-integer");
                        }
                        manager.logSettings(now.withVerbose(v.intValue()));
                    }
                    case "log_format" -> {
                        if (!v.isTextual()) {
                            throw new RequestError(500, "attempt to access JSON non-string as string");
                        }
                        try {
                            manager.logSettings(now.withFormat(v.textValue()));
                        } catch (IllegalArgumentException bad) {
                            throw new RequestError(503, bad.getMessage());
                        }
                    }
                    default -> {
                        // Triton ignores keys it does not know
                    }
                }
            }
        }
        return json(logSettings(manager.logSettings()));
    }

    private static boolean bool(JsonNode v) {
        if (!v.isBoolean()) {
            throw new RequestError(500, "attempt to access JSON non-boolean as boolean");
        }
        return v.booleanValue();
    }

    private HttpResponse index(HttpRequest request) {
        boolean readyOnly = false;
        JsonNode body = optionalJson(request.body());
        if (body != null && body.has("ready")) {
            if (!body.get("ready").isBoolean()) {
                throw RequestError.invalid("Unable to parse 'ready'");
            }
            readyOnly = body.get("ready").booleanValue();
        }
        return json(ModelJson.index(manager.index(), readyOnly));
    }

    /**
     * POST /v2/repository/models/{m}/load: only in explicit model control mode, as Triton; "config" (JSON text) and
     * "file:<path>" (base64) parameters replace the repository's configuration and files.
     */
    private HttpResponse load(HttpRequest request, String name) {
        JsonNode body = optionalJson(request.body());
        JsonNode params = body == null ? null : body.get("parameters");
        String config = null;
        Map<String, byte[]> files = null;
        if (params != null && params.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                String key = p.getKey();
                if (key.equals("config")) {
                    if (!p.getValue().isTextual()) {
                        throw RequestError.invalid("Config parameter 'config' must have string type for its value");
                    }
                    config = p.getValue().textValue();
                } else if (key.startsWith("file:")) {
                    if (!p.getValue().isTextual()) {
                        throw RequestError.invalid("File parameter '" + key + "' must have bytes type for its value");
                    }
                    try {
                        if (files == null) {
                            files = new LinkedHashMap<>();
                        }
                        files.put(key, Base64.getDecoder().decode(p.getValue().textValue()));
                    } catch (IllegalArgumentException e) {
                        throw RequestError.invalid("Unable to decode base64 content of load parameter '" + key + "'");
                    }
                } else {
                    throw RequestError.invalid("Unrecognized load parameter '" + key + "'");
                }
            }
        }
        if (stopping) {
            throw new RequestError(503, "tpb is shutting down");
        }
        try {
            manager.loadFromApi(name, config, files);
        } catch (ModelControlException e) {
            throw new RequestError(e.code().httpStatus(), e.getMessage());
        }
        expected.add(name);
        return HttpResponse.empty(200);
    }

    private HttpResponse unload(String name) {
        if (stopping) {
            throw new RequestError(503, "tpb is shutting down");
        }
        try {
            manager.unloadFromApi(name);
        } catch (ModelControlException e) {
            throw new RequestError(e.code().httpStatus(), e.getMessage());
        }
        expected.remove(name);
        return HttpResponse.empty(200);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** The model version a request is for, or Triton's "unknown model" error (404). */
    private LoadedModel find(String name, String version) {
        Optional<LoadedModel> m = version == null ? manager.model(name) : manager.model(name, parseVersion(version));
        if (m.isPresent()) {
            return m.get();
        }
        boolean loaded = manager.models().stream().anyMatch(x -> x.name().equals(name));
        if (!loaded) {
            throw RequestError.notFound("Request for unknown model: '" + name + "' is not found");
        }
        if (version != null) {
            throw RequestError.notFound("Request for unknown model: '" + name + "' version " + version
                    + " is not found");
        }
        throw RequestError.notFound("Request for unknown model: '" + name + "' has no available versions");
    }

    private static long parseVersion(String version) {
        try {
            return Long.parseLong(version);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static JsonNode optionalJson(ByteBuffer body) {
        if (!body.hasRemaining()) {
            return null;
        }
        byte[] bytes = new byte[body.remaining()];
        body.duplicate().get(bytes);
        if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return null;
        }
        try {
            JsonNode node = Json.MAPPER.readTree(bytes);
            if (node != null && !node.isObject()) {
                throw RequestError.invalid("failed to parse the request JSON buffer: expected a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw RequestError.invalid("failed to parse the request JSON buffer: " + e.getMessage());
        }
    }

    private static HttpResponse json(JsonNode node) {
        return HttpResponse.json(200, Json.bytes(node));
    }

    private static HttpResponse notFound() {
        return HttpResponse.error(404, "Not Found");
    }

    private static HttpResponse get(String method, java.util.function.Supplier<HttpResponse> action) {
        return method.equals("GET") ? action.get() : HttpResponse.error(405, "Method Not Allowed");
    }

    private static HttpResponse post(String method, java.util.function.Supplier<HttpResponse> action) {
        return method.equals("POST") ? action.get() : HttpResponse.error(405, "Method Not Allowed");
    }

    /** Path segments after the leading slash, percent-decoded ("/v2/models/a%20b" gives v2, models, a b). */
    static List<String> segments(String path) {
        List<String> list = new ArrayList<>();
        for (String part : path.substring(1).split("/", -1)) {
            list.add(percentDecode(part));
        }
        return list;
    }

    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    out.write(hi * 16 + lo);
                    i += 2;
                    continue;
                }
            }
            out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
