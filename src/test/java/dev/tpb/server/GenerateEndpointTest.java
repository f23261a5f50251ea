package dev.tpb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.runtime.ModelState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's HTTP generate extension (server docs/protocol/extension_generate.md; http_server.cc HandleGenerate and
 * GenerateRequestClass), over real HTTP with real stubs, and requests cancelled when their client goes away.
 */
class GenerateEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path repo;
    static Served served;

    @BeforeAll
    static void start() {
        served = new Served(repo, 64 << 20, "add_sub", "repeat", "generate_echo", "cancellable", "wait_cancel",
                "wrong_model", "countdown");
        served.statuses.forEach(s -> assertEquals(ModelState.READY, s.state(), s::toString));
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    private static RawHttp.Response post(String path, String json) {
        return RawHttp.once(served.port(), "POST", path, Map.of("Content-Type", "application/json"),
                json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    /** The events of a text/event-stream body: "data: <json>" blocks separated by blank lines. */
    private static List<JsonNode> events(RawHttp.Response r) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String block : r.text().split("\n\n")) {
            if (block.isEmpty()) {
                continue;
            }
            assertTrue(block.startsWith("data: "), block);
            out.add(JSON.readTree(block.substring(6)));
        }
        return out;
    }

    @Test
    void generateMapsTopLevelKeysToInputsAndOutputsToFields() {
        // extension_generate.md: inputs come from the JSON keys named like them; each output is a field, in key order
        RawHttp.Response r = post("/v2/models/add_sub/generate", "{'INPUT0':[1,2,3,4],'INPUT1':[1,1,1,1]}");
        assertEquals(200, r.status(), r::toString);
        assertEquals("application/json", r.header("content-type"));
        assertEquals("{\"OUTPUT0\":[2.0,3.0,4.0,5.0],\"OUTPUT1\":[0.0,1.0,2.0,3.0],\"model_name\":\"add_sub\","
                + "\"model_version\":\"1\"}", r.text());
    }

    @Test
    void otherKeysAndTheParametersObjectBecomeRequestParameters() {
        RawHttp.Response r = post("/v2/models/generate_echo/generate",
                "{'PROMPT':['hello','world'],'temperature':0.5,'stream':true,'parameters':{'max_tokens':3}}");
        assertEquals(200, r.status(), r::toString);
        JsonNode body = r.json();
        assertEquals("hello world|{\"max_tokens\": 3, \"stream\": true, \"temperature\": 0.5}", body.path("TEXT").asText());
        assertEquals(2, body.path("COUNT").asInt(), "a single element is written as a scalar");
        assertTrue(body.path("echoed").asBoolean(), "response parameters are fields too: " + body);
        // A scalar value fills a one-element input: dims [-1] take the count
        assertEquals("hi|{}", post("/v2/models/generate_echo/generate", "{'PROMPT':'hi'}").json().path("TEXT").asText());
    }

    @Test
    void requestsTheSchemaCannotConvertGetTritonsErrors() {
        assertEquals("The schema can not convert input 'INPUT0' to tensor with proper shape",
                post("/v2/models/add_sub/generate", "{'INPUT0':[1,2,3],'INPUT1':[1,1,1,1]}").json().path("error").asText());
        RawHttp.Response param = post("/v2/models/add_sub/generate", "{'INPUT0':[1,2,3,4],'INPUT1':[1,1,1,1],'x':[1]}");
        assertEquals(400, param.status());
        assertEquals("parameter 'x' has invalid type. It should be either 'int', 'bool', or 'string'.",
                param.json().path("error").asText());
        assertEquals("Expected JSON object for keyword: 'parameters'", post("/v2/models/add_sub/generate",
                "{'parameters':5}").json().path("error").asText());
        String missing = post("/v2/models/add_sub/generate", "{'INPUT0':[1,2,3,4]}").json().path("error").asText();
        assertTrue(missing.startsWith("expected 2 inputs but got 1 inputs for model 'add_sub'"), missing);
        RawHttp.Response bad = post("/v2/models/add_sub/generate", "{not json");
        assertEquals(400, bad.status());
        assertTrue(bad.json().path("error").asText().startsWith("failed to parse the request JSON buffer"), bad::toString);
        assertEquals(404, post("/v2/models/nope/generate", "{}").status());
    }

    @Test
    void generateServesDecoupledModelsThatAnswerOnce() {
        // http_server.cc: generate does not refuse decoupled models; it needs exactly one response
        RawHttp.Response one = post("/v2/models/repeat/generate", "{'IN':[5]}");
        assertEquals(200, one.status(), one::toString);
        assertEquals("{\"IDX\":0,\"OUT\":5,\"model_name\":\"repeat\",\"model_version\":\"1\"}", one.text());
        RawHttp.Response two = post("/v2/models/repeat/generate", "{'IN':[5,6]}");
        assertEquals(GenerateCodec.ONE_RESPONSE, two.json().path("error").asText());
        assertEquals(200, two.status(), "the status comes from the first response, as in Triton");
        assertEquals(GenerateCodec.ONE_RESPONSE, post("/v2/models/repeat/generate", "{'IN':[]}").json().path("error")
                .asText());
    }

    @Test
    void generateStreamSendsEveryResponseAsAServerSentEvent() throws IOException {
        RawHttp.Response r = post("/v2/models/repeat/generate_stream", "{'IN':[7,8,9]}");
        assertEquals(200, r.status(), r::toString);
        assertEquals("text/event-stream; charset=utf-8", r.header("content-type"));
        assertEquals("chunked", r.header("transfer-encoding"));
        List<JsonNode> events = events(r);
        assertEquals(3, events.size(), r::text);
        for (int i = 0; i < 3; i++) {
            assertEquals(7 + i, events.get(i).path("OUT").asInt());
            assertEquals(i, events.get(i).path("IDX").asInt());
        }
        // Zero responses: 200 and no event (Triton's test_zero_response)
        RawHttp.Response none = post("/v2/models/repeat/generate_stream", "{'IN':[]}");
        assertEquals(200, none.status());
        assertEquals("", none.text());
        // A non-decoupled model streams its one response
        assertEquals(1, events(post("/v2/models/add_sub/generate_stream", "{'INPUT0':[1,2,3,4],'INPUT1':[1,1,1,1]}"))
                .size());
    }

    @Test
    void theReadmesCountdownExampleStreams() throws IOException {
        List<JsonNode> events = events(post("/v2/models/countdown/generate_stream", "{'START':3}"));
        assertEquals(List.of(3, 2, 1), events.stream().map(e -> e.path("N").asInt()).toList());
        assertEquals("{\"N\":3,\"model_name\":\"countdown\",\"model_version\":\"1\"}", events.get(0).toString());
    }

    @Test
    void anErrorFirstSetsTheStreamsStatus() throws IOException {
        RawHttp.Response r = post("/v2/models/wrong_model/generate_stream", "{'IN':[1]}");
        assertEquals(500, r.status(), r::toString);
        List<JsonNode> events = events(r);
        assertEquals(1, events.size());
        assertTrue(events.get(0).path("error").asText().startsWith("Failed to process the request(s) for model "),
                events::toString);
        // An error before the request runs is a plain JSON answer (http_server.cc error_callback)
        RawHttp.Response early = post("/v2/models/add_sub/generate_stream", "{'INPUT0':[1]}");
        assertEquals(400, early.status());
        assertEquals("application/json", early.header("content-type"));
    }

    @Test
    void aStreamWhoseClientLeavesIsCancelled() throws IOException {
        try (RawHttp http = new RawHttp(served.port())) {
            byte[] body = "{\"TAG\":\"gone\"}".getBytes(StandardCharsets.UTF_8);
            http.write(("POST /v2/models/cancellable/generate_stream HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            http.write(body);
            assertEquals(200, http.readHead().status());
            assertTrue(new String(http.readChunk(), StandardCharsets.UTF_8).startsWith("data: {\"N\":0"));
            http.readChunk();
        }
        // The next write to the closed connection fails; the model's sender then reports the request cancelled.
        served.log.await(l -> l.contains("stream gone ended after") && l.contains("cancelled: True (request: True)"),
                "saying the stream was cancelled");
    }

    @Test
    void anInferRequestWhoseClientLeavesIsCancelled() {
        // Triton's HTTP endpoint does not notice (server issue #7077); tpb cancels the request, so a model that polls
        // request.is_cancelled() (as Triton's QA model execute_cancel does) can stop.
        try (RawHttp http = new RawHttp(served.port())) {
            byte[] body = ("{\"inputs\":[{\"name\":\"TAG\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"left\"]}]}")
                    .getBytes(StandardCharsets.UTF_8);
            http.write(("POST /v2/models/wait_cancel/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            http.write(body);
            served.log.await(l -> l.contains("request left waits for its cancellation"), "the request running");
        } // the client goes away
        served.log.await(l -> l.contains("request left cancelled"), "saying the request was cancelled");
        // A client that stays gets its answer (here the CANCELLED error of another request does not touch it)
        RawHttp.Response r = post("/v2/models/add_sub/infer", "{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32',"
                + "'data':[1,2,3,4]},{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]}");
        assertEquals(200, r.status(), r::toString);
    }
}
