package dev.tpb.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The KServe v2 endpoints over real HTTP, in front of real stubs running the test models. */
class KServeServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long MAX_REQUEST = 8 << 20;
    @TempDir
    static Path repo;
    static Served served;
    static int port;

    @BeforeAll
    static void start() {
        Served.copyAs(repo, "add_sub", "reloadable");
        served = new Served(repo, MAX_REQUEST, "add_sub", "string_identity", "identity_fp32", "error_code",
                "response_parameters", "batch_size", "crash", "types", "decoupled");
        port = served.port();
        served.statuses.forEach(s -> assertEquals("READY", s.state().name(), () -> s.name() + ": " + s.reason()));
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    static RawHttp.Response get(String path) {
        return RawHttp.once(port, "GET", path, Map.of(), null);
    }

    static RawHttp.Response post(String path, String json) {
        return RawHttp.once(port, "POST", path, Map.of(), json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    static byte[] le(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static float[] floats(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    static float[] floats(JsonNode data) {
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.get(i).floatValue();
        }
        return out;
    }

    /** A binary-extension request: JSON header, then the chunks; headers as tritonclient sends them. */
    static RawHttp.Response binary(RawHttp http, String path, String header, byte[]... chunks) {
        byte[] h = header.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(h);
        for (byte[] c : chunks) {
            body.writeBytes(c);
        }
        return http.send("POST", path, Map.of("Inference-Header-Content-Length", Integer.toString(h.length)),
                body.toByteArray());
    }

    static String addSubBinary() {
        return "{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}}],"
                + "'parameters':{'binary_data_output':true}}";
    }

    /** Splits a binary response into its JSON header and the chunk of each binary output, by name. */
    record Parsed(JsonNode json, Map<String, byte[]> chunks) {
        static Parsed of(RawHttp.Response r) {
            assertEquals(200, r.status(), r::toString);
            byte[] body = r.body();
            String h = r.header("Inference-Header-Content-Length");
            int length = h == null ? body.length : Integer.parseInt(h);
            JsonNode json;
            try {
                json = JSON.readTree(new String(body, 0, length, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            Map<String, byte[]> chunks = new LinkedHashMap<>();
            int at = length;
            for (JsonNode o : json.path("outputs")) {
                JsonNode size = o.path("parameters").path("binary_data_size");
                if (size.isNumber()) {
                    byte[] c = new byte[size.intValue()];
                    System.arraycopy(body, at, c, 0, c.length);
                    at += c.length;
                    chunks.put(o.path("name").asText(), c);
                }
            }
            assertEquals(body.length, at, "the chunks fill the body exactly");
            return new Parsed(json, chunks);
        }

        JsonNode output(String name) {
            for (JsonNode o : json.path("outputs")) {
                if (o.path("name").asText().equals(name)) {
                    return o;
                }
            }
            throw new AssertionError("no output " + name + " in " + json);
        }
    }

    static long executions(String model) {
        return get("/v2/models/" + model + "/stats").json().path("model_stats").get(0).path("execution_count").asLong();
    }

    // ---- health and metadata ------------------------------------------------------------------------------

    @Test
    void healthAndServerMetadata() {
        RawHttp.Response live = get("/v2/health/live");
        assertEquals(200, live.status());
        assertEquals(0, live.body().length);
        assertEquals(200, get("/v2/health/ready").status());
        JsonNode meta = get("/v2").json();
        assertEquals("tpb", meta.path("name").asText());
        List<String> extensions = new ArrayList<>();
        meta.path("extensions").forEach(e -> extensions.add(e.asText()));
        assertTrue(extensions.containsAll(List.of("binary_tensor_data", "model_configuration", "parameters")), meta::toString);
        assertEquals(404, get("/v2/nothing").status());
        assertEquals("Not Found", get("/v2/nothing").json().path("error").asText());
        assertEquals("Method Not Allowed", post("/v2/health/live", "{}").json().path("error").asText());
        assertEquals(405, post("/v2/health/live", "{}").status());
    }

    @Test
    void modelMetadataConfigAndReadiness() {
        JsonNode meta = get("/v2/models/batch_size").json();
        assertEquals("batch_size", meta.path("name").asText());
        assertEquals("[\"1\"]", meta.path("versions").toString());
        assertEquals("python", meta.path("platform").asText());
        assertEquals("[{\"name\":\"IN\",\"datatype\":\"FP32\",\"shape\":[-1,1]}]", meta.path("inputs").toString());
        assertEquals("[{\"name\":\"REQUESTS\",\"datatype\":\"INT32\",\"shape\":[-1,1]}]", meta.path("outputs").toString());
        assertEquals(meta, get("/v2/models/batch_size/versions/1").json());
        JsonNode config = get("/v2/models/batch_size/config").json();
        assertEquals("batch_size", config.path("name").asText());
        assertEquals(16, config.path("max_batch_size").asInt());
        assertEquals("TYPE_FP32", config.path("input").get(0).path("data_type").asText());
        assertEquals(200, get("/v2/models/add_sub/ready").status());
        assertEquals(200, get("/v2/models/add_sub/versions/1/ready").status());
        assertEquals(400, get("/v2/models/nope/ready").status());
        RawHttp.Response unknown = get("/v2/models/nope");
        assertEquals(404, unknown.status());
        assertEquals("Request for unknown model: 'nope' is not found", unknown.json().path("error").asText());
        assertEquals("Request for unknown model: 'add_sub' version 9 is not found",
                get("/v2/models/add_sub/versions/9/config").json().path("error").asText());
        assertEquals(404, get("/v2/models/add_sub/versions/x").status());
    }

    // ---- inference ----------------------------------------------------------------------------------------

    @Test
    void jsonInference() {
        RawHttp.Response r = post("/v2/models/add_sub/infer", "{'id':'req-7','inputs':["
                + "{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[[10,20],[30,40]]}]}");
        assertEquals(200, r.status(), r::toString);
        assertEquals("application/json", r.header("Content-Type"));
        assertNull(r.header("Inference-Header-Content-Length"));
        JsonNode json = r.json();
        assertEquals("req-7", json.path("id").asText());
        assertEquals("add_sub", json.path("model_name").asText());
        assertTrue(json.path("model_version").isTextual(), "model_version is a string");
        assertEquals("1", json.path("model_version").asText());
        JsonNode out0 = json.path("outputs").get(0);
        assertEquals("OUTPUT0", out0.path("name").asText());
        assertEquals("FP32", out0.path("datatype").asText());
        assertEquals("[4]", out0.path("shape").toString());
        assertArrayEquals(new float[] {11, 22, 33, 44}, floats(out0.path("data")));
        assertArrayEquals(new float[] {-9, -18, -27, -36}, floats(json.path("outputs").get(1).path("data")));
        JsonNode noId = post("/v2/models/add_sub/infer", "{'inputs':["
                + "{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]}").json();
        assertFalse(noId.has("id"), "no id in the response when the request had none");
    }

    @Test
    void binaryInferenceBothWays() {
        try (RawHttp http = new RawHttp(port)) {
            RawHttp.Response r = binary(http, "/v2/models/add_sub/infer", addSubBinary(), le(1, 2, 3, 4), le(4, 3, 2, 1));
            assertEquals("application/octet-stream", r.header("Content-Type"));
            Parsed p = Parsed.of(r);
            assertEquals(16, p.output("OUTPUT0").path("parameters").path("binary_data_size").asInt());
            assertFalse(p.output("OUTPUT0").has("data"));
            assertArrayEquals(new float[] {5, 5, 5, 5}, floats(p.chunks().get("OUTPUT0")));
            assertArrayEquals(new float[] {-3, -1, 1, 3}, floats(p.chunks().get("OUTPUT1")));

            // Per-output binary_data overrides binary_data_output: OUTPUT1 as JSON, OUTPUT0 binary.
            Parsed mixed = Parsed.of(binary(http, "/v2/models/add_sub/infer",
                    "{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}},"
                            + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,1,1,1]}],"
                            + "'outputs':[{'name':'OUTPUT1','parameters':{'binary_data':false}},"
                            + "{'name':'OUTPUT0','parameters':{'binary_data':true}}]}", le(1, 2, 3, 4)));
            assertArrayEquals(new float[] {2, 3, 4, 5}, floats(mixed.chunks().get("OUTPUT0")));
            assertArrayEquals(new float[] {0, 1, 2, 3}, floats(mixed.output("OUTPUT1").path("data")));
            assertEquals(1, mixed.chunks().size());
        }
    }

    @Test
    void requestedOutputsArePruned() {
        JsonNode json = post("/v2/models/string_identity/infer", "{'inputs':[{'name':'INPUT0','shape':[2],"
                + "'datatype':'BYTES','data':['héllo','']}],'outputs':[{'name':'UPPER'}]}").json();
        assertEquals(1, json.path("outputs").size(), json::toString);
        JsonNode upper = json.path("outputs").get(0);
        assertEquals("UPPER", upper.path("name").asText());
        assertEquals("[\"HéLLO\",\"\"]", upper.path("data").toString());
    }

    @Test
    void bytesTensorsInBinaryKeepEveryByte() {
        byte[] odd = {(byte) 0xff, 0, (byte) 0xc3, 'a'};
        ByteBuffer in = ByteBuffer.allocate(4 + odd.length + 4 + 4 + 2).order(ByteOrder.LITTLE_ENDIAN);
        in.putInt(odd.length).put(odd).putInt(0).putInt(2).put("xy".getBytes(StandardCharsets.US_ASCII));
        try (RawHttp http = new RawHttp(port)) {
            Parsed p = Parsed.of(binary(http, "/v2/models/string_identity/infer",
                    "{'inputs':[{'name':'INPUT0','shape':[3],'datatype':'BYTES','parameters':{'binary_data_size':"
                            + in.capacity() + "}}],'parameters':{'binary_data_output':true}}", in.array()));
            assertArrayEquals(in.array(), p.chunks().get("OUTPUT0"), "non-UTF-8 bytes and empty strings survive");
            assertEquals("BYTES", p.output("UPPER").path("datatype").asText());
            assertEquals("[3]", p.output("UPPER").path("shape").toString());
        }
    }

    @Test
    void everyDatatypeRoundTrips() {
        JsonNode json = post("/v2/models/types/infer", "{'inputs':["
                + "{'name':'BOOL','shape':[3],'datatype':'BOOL','data':[true,false,true]},"
                + "{'name':'UINT8','shape':[2],'datatype':'UINT8','data':[0,255]},"
                + "{'name':'INT16','shape':[2],'datatype':'INT16','data':[-32768,32767]},"
                + "{'name':'UINT32','shape':[1],'datatype':'UINT32','data':[4294967295]},"
                + "{'name':'INT64','shape':[2],'datatype':'INT64','data':[-9223372036854775808,9223372036854775807]},"
                + "{'name':'UINT64','shape':[1],'datatype':'UINT64','data':[18446744073709551615]},"
                + "{'name':'FP64','shape':[2,2],'datatype':'FP64','data':[[0.1,-2.5],[1e300,3]]},"
                + "{'name':'BYTES','shape':[1],'datatype':'BYTES','data':['ünïcode']}]}").json();
        Map<String, String> data = new LinkedHashMap<>();
        json.path("outputs").forEach(o -> data.put(o.path("name").asText(), o.path("datatype").asText() + " "
                + o.path("shape") + " " + o.path("data")));
        assertEquals("BOOL [3] [true,false,true]", data.get("BOOL_OUT"));
        assertEquals("UINT8 [2] [0,255]", data.get("UINT8_OUT"));
        assertEquals("INT16 [2] [-32768,32767]", data.get("INT16_OUT"));
        assertEquals("UINT32 [1] [4294967295]", data.get("UINT32_OUT"));
        assertEquals("INT64 [2] [-9223372036854775808,9223372036854775807]", data.get("INT64_OUT"));
        assertEquals("UINT64 [1] [18446744073709551615]", data.get("UINT64_OUT"));
        assertEquals("FP64 [2,2] [0.1,-2.5,1.0E300,3.0]", data.get("FP64_OUT"));
        assertEquals("BYTES [1] [\"ünïcode\"]", data.get("BYTES_OUT"));

        byte[] half = {0x00, 0x3c, 0x00, (byte) 0xc0}; // 1.0, -2.0
        try (RawHttp http = new RawHttp(port)) {
            Parsed p = Parsed.of(binary(http, "/v2/models/types/infer", "{'inputs':[{'name':'FP16','shape':[2],"
                    + "'datatype':'FP16','parameters':{'binary_data_size':4}}],'parameters':{'binary_data_output':true}}", half));
            assertArrayEquals(half, p.chunks().get("FP16_OUT"));
            RawHttp.Response asJson = binary(http, "/v2/models/types/infer", "{'inputs':[{'name':'FP16','shape':[2],"
                    + "'datatype':'FP16','parameters':{'binary_data_size':4}}]}", half);
            assertEquals(400, asJson.status());
            assertEquals("sending FP16 data via JSON is not supported. Please use the binary data format for output",
                    asJson.json().path("error").asText());
        }
    }

    @Test
    void rawBinaryRequest() {
        try (RawHttp http = new RawHttp(port)) {
            RawHttp.Response r = http.send("POST", "/v2/models/identity_fp32/infer",
                    Map.of("Inference-Header-Content-Length", "0"), le(1.5f, 2.5f, 3.5f));
            Parsed p = Parsed.of(r);
            assertEquals("[3]", p.output("OUTPUT0").path("shape").toString());
            assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f}, floats(p.chunks().get("OUTPUT0")));
        }
    }

    @Test
    void largeTensorsStreamFromSharedMemory() {
        int n = 1 << 20; // 4 MiB of FP32
        ByteBuffer in = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            in.putFloat(i);
        }
        try (RawHttp http = new RawHttp(port)) {
            for (int round = 0; round < 3; round++) {
                Parsed p = Parsed.of(binary(http, "/v2/models/identity_fp32/infer", "{'inputs':[{'name':'INPUT0',"
                        + "'shape':[" + n + "],'datatype':'FP32','parameters':{'binary_data_size':" + n * 4 + "}}],"
                        + "'parameters':{'binary_data_output':true}}", in.array()));
                assertArrayEquals(in.array(), p.chunks().get("OUTPUT0"));
            }
        }
    }

    @Test
    void gzipAndDeflateBodiesBothWays() throws IOException {
        byte[] json = ("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
                + "{\"name\":\"INPUT1\",\"shape\":[4],\"datatype\":\"FP32\",\"data\":[1,1,1,1]}]}").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(json);
        }
        RawHttp.Response r = RawHttp.once(port, "POST", "/v2/models/add_sub/infer",
                Map.of("Content-Encoding", "gzip", "Accept-Encoding", "deflate;q=0.9, gzip;q=0.5"), gz.toByteArray());
        assertEquals(200, r.status(), r::toString);
        assertEquals("deflate", r.header("Content-Encoding"));
        JsonNode out = JSON.readTree(new InflaterInputStream(new ByteArrayInputStream(r.body())).readAllBytes());
        assertArrayEquals(new float[] {2, 3, 4, 5}, floats(out.path("outputs").get(0).path("data")));

        // Binary answer compressed as a whole; Inference-Header-Content-Length counts the uncompressed JSON.
        byte[] h = addSubBinary().replace('\'', '"').getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(h);
        body.writeBytes(le(1, 2, 3, 4));
        body.writeBytes(le(1, 1, 1, 1));
        RawHttp.Response b = RawHttp.once(port, "POST", "/v2/models/add_sub/infer", Map.of("Accept-Encoding", "gzip",
                "Inference-Header-Content-Length", Integer.toString(h.length)), body.toByteArray());
        assertEquals("gzip", b.header("Content-Encoding"));
        byte[] plain = new GZIPInputStream(new ByteArrayInputStream(b.body())).readAllBytes();
        int jsonLength = Integer.parseInt(b.header("Inference-Header-Content-Length"));
        assertEquals(plain.length - 32, jsonLength);
        byte[] chunk = new byte[16];
        System.arraycopy(plain, jsonLength, chunk, 0, 16);
        assertArrayEquals(new float[] {2, 3, 4, 5}, floats(chunk));

        RawHttp.Response unsupported = RawHttp.once(port, "POST", "/v2/models/add_sub/infer",
                Map.of("Content-Encoding", "br"), json);
        assertEquals(501, unsupported.status());
        assertEquals("Unsupported compression type", unsupported.json().path("error").asText());
        assertEquals("gzip, deflate", unsupported.header("Accept-Encoding"));
    }

    @Test
    void parametersReachTheModelAndComeBack() {
        JsonNode json = post("/v2/models/response_parameters/infer", "{'parameters':{'greeting':'hi','binary_data_output':false},"
                + "'inputs':[{'name':'IN','shape':[1],'datatype':'FP32','data':[1]}]}").json();
        assertEquals("{\"echo\":\"hi\",\"count\":3,\"flag\":true}", json.path("parameters").toString());
        RawHttp.Response reserved = post("/v2/models/response_parameters/infer", "{'parameters':{'triton_x':1},"
                + "'inputs':[{'name':'IN','shape':[1],'datatype':'FP32','data':[1]}]}");
        assertEquals(400, reserved.status());
        assertEquals("parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.",
                reserved.json().path("error").asText());
    }

    // ---- errors -------------------------------------------------------------------------------------------

    @Test
    void badRequestsAreRefusedBeforePythonAndTheServerKeepsServing() {
        long before = executions("add_sub");
        String good = "{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]}";
        Map<String, String[]> cases = new LinkedHashMap<>();
        cases.put("unknown input", new String[] {"400", "{'inputs':[{'name':'X','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]}",
                "unexpected inference input 'X' for model 'add_sub'"});
        cases.put("missing input", new String[] {"400", "{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]}",
                "expected 2 inputs but got 1 inputs for model 'add_sub'. Got inputs ['INPUT0'], but missing required "
                        + "inputs ['INPUT1']. Please provide all required inputs."});
        cases.put("wrong datatype", new String[] {"400", good.replaceFirst("FP32", "FP64"),
                "inference input 'INPUT0' data-type is 'FP64', but model 'add_sub' expects 'FP32'"});
        cases.put("wrong shape", new String[] {"400", good.replaceFirst("\\[4\\]", "[2,2]"),
                "unexpected shape for input 'INPUT0' for model 'add_sub'. Expected [4], got [2,2]. "});
        cases.put("wrong value count", new String[] {"400", good.replaceFirst("\\[1,2,3,4\\]", "[1,2,3]"),
                "Unable to parse 'data': Shape does not match true shape of 'data' field"});
        cases.put("not JSON", new String[] {"400", "{'inputs':[", null});
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            RawHttp.Response r = post("/v2/models/add_sub/infer", c.getValue()[1]);
            assertEquals(Integer.parseInt(c.getValue()[0]), r.status(), c.getKey() + ": " + r);
            String error = r.json().path("error").asText();
            if (c.getValue()[2] != null) {
                assertEquals(c.getValue()[2].replace('\'', '\''), error, c.getKey());
            } else {
                assertTrue(error.startsWith("failed to parse the request JSON buffer: "), error);
            }
            assertEquals(200, post("/v2/models/add_sub/infer", good).status(), "a good request after " + c.getKey());
        }
        RawHttp.Response unknownModel = post("/v2/models/nope/infer", good);
        assertEquals(404, unknownModel.status());
        assertEquals("Request for unknown model: 'nope' is not found", unknownModel.json().path("error").asText());

        RawHttp.Response batch = post("/v2/models/batch_size/infer", "{'inputs':[{'name':'IN','shape':[17,1],'datatype':'FP32',"
                + "'data':[" + "1,".repeat(16) + "1]}]}");
        assertEquals(400, batch.status());
        assertEquals("inference request batch-size must be <= 16 for 'batch_size'", batch.json().path("error").asText());
        RawHttp.Response noBatchDim = post("/v2/models/batch_size/infer", "{'inputs':[{'name':'IN','shape':[1],'datatype':'FP32',"
                + "'data':[1]}]}");
        assertTrue(noBatchDim.json().path("error").asText().startsWith("unexpected shape for input 'IN' for model "
                + "'batch_size'. Expected [-1,1], got [1]. NOTE: Setting a non-zero max_batch_size"), noBatchDim::toString);

        try (RawHttp http = new RawHttp(port)) {
            RawHttp.Response shortChunk = binary(http, "/v2/models/add_sub/infer", addSubBinary(), le(1, 2, 3, 4), le(1));
            assertEquals("unexpected size for input 'INPUT1', expecting 12 additional bytes for model 'add_sub'",
                    shortChunk.json().path("error").asText());
            RawHttp.Response wrongSize = binary(http, "/v2/models/add_sub/infer", addSubBinary().replaceFirst("16", "12"),
                    le(1, 2, 3), le(1, 2, 3, 4));
            assertEquals("input byte size mismatch for input 'INPUT0' for model 'add_sub'. Expected 16, got 12",
                    wrongSize.json().path("error").asText());
            RawHttp.Response badHeader = http.send("POST", "/v2/models/add_sub/infer",
                    Map.of("Inference-Header-Content-Length", "x"), good.getBytes(StandardCharsets.UTF_8));
            assertEquals("Unable to parse Inference-Header-Content-Length, got: x", badHeader.json().path("error").asText());
            RawHttp.Response outOfRange = http.send("POST", "/v2/models/add_sub/infer",
                    Map.of("Inference-Header-Content-Length", "5000"), good.getBytes(StandardCharsets.UTF_8));
            assertEquals("inference header size should be in range (0, " + good.length() + "), got: 5000",
                    outOfRange.json().path("error").asText());
            assertEquals(200, binary(http, "/v2/models/add_sub/infer", addSubBinary(), le(1, 2, 3, 4), le(1, 2, 3, 4)).status(),
                    "the same connection still serves");
        }
        byte[] tooBig = new byte[(int) MAX_REQUEST + 1];
        RawHttp.Response big = RawHttp.once(port, "POST", "/v2/models/add_sub/infer", Map.of(), tooBig);
        assertEquals(400, big.status());
        assertEquals("request body of " + tooBig.length + " bytes exceeds the maximum allowed size of " + MAX_REQUEST
                + " bytes (tpb run --max-request-bytes)", big.json().path("error").asText());
        assertEquals(200, post("/v2/models/add_sub/infer", good).status());
        long good2 = cases.size() + 2; // the good requests sent above
        assertEquals(before + good2, executions("add_sub"), "only the good requests reached Python");
    }

    @Test
    void modelErrorsKeepTritonsStatusCodes() {
        Map<String, Integer> expected = Map.of("INTERNAL", 500, "NOT_FOUND", 404, "INVALID_ARG", 400, "UNAVAILABLE", 503,
                "UNSUPPORTED", 501, "ALREADY_EXISTS", 400, "CANCELLED", 400, "UNKNOWN", 400);
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            RawHttp.Response r = post("/v2/models/error_code/infer", "{'inputs':[{'name':'ERROR_CODE','shape':[1],"
                    + "'datatype':'BYTES','data':['" + e.getKey() + "']}]}");
            assertEquals((int) e.getValue(), r.status(), e.getKey());
            assertEquals("{\"error\":\"error code: " + e.getKey() + "\"}", r.text());
        }
        RawHttp.Response decoupled = post("/v2/models/decoupled/infer", "{'inputs':[{'name':'IN','shape':[1],"
                + "'datatype':'FP32','data':[1]}]}");
        assertEquals(501, decoupled.status());
        assertEquals("HTTP end point doesn't support models with decoupled transaction policy",
                decoupled.json().path("error").asText());
    }

    // ---- statistics and repository --------------------------------------------------------------------------

    @Test
    void statisticsInTritonsShape() {
        for (int i = 0; i < 3; i++) {
            post("/v2/models/identity_fp32/infer", "{'inputs':[{'name':'INPUT0','shape':[2],'datatype':'FP32','data':[1,2]}]}");
        }
        JsonNode stats = get("/v2/models/identity_fp32/stats").json().path("model_stats");
        assertEquals(1, stats.size());
        JsonNode s = stats.get(0);
        assertEquals("identity_fp32", s.path("name").asText());
        assertEquals("1", s.path("version").asText());
        assertTrue(s.path("inference_count").asLong() >= 3);
        assertTrue(s.path("execution_count").asLong() >= 3);
        assertTrue(s.path("last_inference").asLong() > 1_600_000_000_000L, "milliseconds since the epoch");
        for (String k : List.of("success", "fail", "queue", "compute_input", "compute_infer", "compute_output",
                "cache_hit", "cache_miss")) {
            JsonNode d = s.path("inference_stats").path(k);
            assertTrue(d.path("count").isNumber() && d.path("ns").isNumber(), k + ": " + d);
        }
        assertTrue(s.path("inference_stats").path("success").path("ns").asLong() > 0);
        assertEquals(1, s.path("batch_stats").get(0).path("batch_size").asInt());
        assertEquals("CPU", s.path("memory_usage").get(0).path("type").asText());
        JsonNode all = get("/v2/models/stats").json().path("model_stats");
        Set<String> names = new HashSet<>();
        all.forEach(m -> names.add(m.path("name").asText()));
        assertTrue(names.containsAll(List.of("add_sub", "identity_fp32", "types")), names::toString);
    }

    @Test
    void repositoryIndexLoadAndUnload() {
        JsonNode index = post("/v2/repository/index", "").json();
        Map<String, String> states = new LinkedHashMap<>();
        index.forEach(m -> states.put(m.path("name").asText(), m.path("state").asText()));
        assertEquals("READY", states.get("reloadable"));
        String good = "{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]}";

        assertEquals(200, post("/v2/repository/models/reloadable/unload", "{'parameters':{'unload_dependents':false}}").status());
        assertEquals(404, post("/v2/models/reloadable/infer", good).status());
        assertEquals(400, get("/v2/models/reloadable/ready").status());
        JsonNode after = post("/v2/repository/index", "{'ready':false}").json();
        JsonNode entry = null;
        for (JsonNode m : after) {
            if (m.path("name").asText().equals("reloadable")) {
                entry = m;
            }
        }
        assertNotNull(entry);
        assertEquals("UNAVAILABLE", entry.path("state").asText());
        assertEquals("unloaded", entry.path("reason").asText());
        JsonNode readyOnly = post("/v2/repository/index", "{'ready':true}").json();
        readyOnly.forEach(m -> assertEquals("READY", m.path("state").asText()));
        assertEquals(200, get("/v2/health/ready").status(), "an unloaded model does not make the server unready");

        assertEquals(200, post("/v2/repository/models/reloadable/load", "").status());
        assertEquals(200, post("/v2/models/reloadable/infer", good).status());
        RawHttp.Response missing = post("/v2/repository/models/nope/load", "");
        assertEquals(400, missing.status());
        // model_repository_manager.cc LoadUnloadModels: "load failed for model '<m>': version <v> is at <STATE> ..."
        assertTrue(missing.json().path("error").asText().startsWith("load failed for model 'nope': "), missing::toString);
        RawHttp.Response traversal = post("/v2/repository/models/..%2F..%2Fetc/load", "");
        assertEquals(400, traversal.status());
        assertEquals("invalid model name '../../etc', model name must not contain path traversal characters",
                traversal.json().path("error").asText());
        assertEquals(200, post("/v2/repository/models/nope/unload", "").status());
        assertEquals(200, get("/v2/health/ready").status());
    }

    // ---- scheduling ---------------------------------------------------------------------------------------

    @Test
    void dynamicBatchingGathersConcurrentRequestsOnTwoInstances() throws Exception {
        int clients = 24;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<JsonNode>> answers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                answers.add(pool.submit(() -> post("/v2/models/batch_size/infer",
                        "{'inputs':[{'name':'IN','shape':[1,1],'datatype':'FP32','data':[[1]]}]}").json()));
            }
            int largest = 0;
            Set<String> instances = new HashSet<>();
            for (Future<JsonNode> f : answers) {
                JsonNode json = f.get();
                largest = Math.max(largest, json.path("outputs").get(0).path("data").get(0).asInt());
                instances.add(json.path("parameters").path("instance").asText());
            }
            assertTrue(largest > 1, "execute() saw len(requests) > 1 (largest " + largest + ")");
            assertEquals(Set.of("batch_size_0_0", "batch_size_0_1"), instances, "both instances served");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void eightClientsTimesFiveHundredRequestsWithoutAnError() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                float base = c * 1000;
                Callable<Integer> client = () -> {
                    int ok = 0;
                    try (RawHttp http = new RawHttp(port)) {
                        for (int i = 0; i < 500; i++) {
                            float x = base + i;
                            Parsed p = Parsed.of(binary(http, "/v2/models/add_sub/infer", addSubBinary(),
                                    le(x, x, x, x), le(1, 2, 3, 4)));
                            assertArrayEquals(new float[] {x + 1, x + 2, x + 3, x + 4}, floats(p.chunks().get("OUTPUT0")));
                            ok++;
                        }
                    }
                    return ok;
                };
                done.add(pool.submit(client));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertEquals(4000, total);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCrashedStubFailsItsRequestThenTheModelServesAgain() {
        String crash = "{'inputs':[{'name':'IN','shape':[1],'datatype':'FP32','data':[-1]}]}";
        long start = System.nanoTime();
        RawHttp.Response failed = post("/v2/models/crash/infer", crash);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(500, failed.status());
        assertEquals("Failed to process the request(s) for model instance 'crash_0_0', message: Stub process 'crash_0_0' "
                + "is not healthy.", failed.json().path("error").asText());
        assertTrue(millis < 1000, "the error arrives within 1 s, took " + millis + " ms");
        RawHttp.Response again = post("/v2/models/crash/infer", "{'inputs':[{'name':'IN','shape':[1],'datatype':'FP32','data':[7]}]}");
        assertEquals(200, again.status(), again::toString);
        assertEquals("[7.0]", again.json().path("outputs").get(0).path("data").toString());
    }
}
