package dev.tpb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.runtime.ActivationMode;
import dev.tpb.runtime.Allocator;
import dev.tpb.runtime.ModelControlMode;
import dev.tpb.runtime.ModelManager;
import dev.tpb.runtime.ModelState;
import dev.tpb.runtime.ModelStatus;
import dev.tpb.testing.Captured;
import dev.tpb.testing.Models;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model control: tritonserver's --model-control-mode (docs/user_guide/model_management.md; core
 * model_repository_manager.cc), load requests that override the configuration and files, pb_utils.load_model /
 * unload_model / is_model_ready from Python (python_backend README "Model Loading API", src/model_loader.cc), and the
 * logging extension (docs/protocol/extension_logging.md; http_server.cc HandleLogging).
 */
class ModelControlTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RawHttp.Response post(int port, String path, String json) {
        return RawHttp.once(port, "POST", path, Map.of(), json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    private static ModelServer serve(ModelManager manager, List<String> names) {
        return ModelServer.start(manager, names, "127.0.0.1", 0, 64 << 20);
    }

    @Test
    void modeNoneRefusesLoadAndUnloadInTritonsWords(@TempDir Path repo) {
        Models.copy(repo, "add_sub", "loader");
        Captured log = new Captured();
        ModelManager manager = new ModelManager(repo, Models.options(Allocator.SYSTEM, ActivationMode.direct)
                .withControlMode(ModelControlMode.none), log, log);
        List<ModelStatus> statuses = manager.loadAll(List.of());
        try (ModelServer server = serve(manager, List.of("add_sub"))) {
            int port = server.address().getPort();
            for (String action : List.of("load", "unload")) {
                RawHttp.Response r = post(port, "/v2/repository/models/add_sub/" + action, "");
                assertEquals(503, r.status(), r::toString);
                assertEquals("explicit model load / unload is not allowed if polling is enabled",
                        r.json().path("error").asText());
            }
            // pb_utils.load_model in initialize() gets the same refusal (model_loader.cc: "Failed to load model: ")
            ModelStatus loader = statuses.stream().filter(s -> s.name().equals("loader")).findFirst().orElseThrow();
            assertEquals(ModelState.UNAVAILABLE, loader.state());
            assertTrue(loader.reason().contains("TritonModelException: Failed to load model: explicit model load / "
                    + "unload is not allowed if polling is enabled"), loader::reason);
        }
    }

    @Test
    void loadRequestsMayOverrideTheConfigurationAndTheFiles(@TempDir Path repo) throws Exception {
        Models.copy(repo, "add_sub");
        Captured log = new Captured();
        ModelManager manager = new ModelManager(repo, Models.options(Allocator.SYSTEM, ActivationMode.direct), log,
                log);
        manager.loadAll(List.of("add_sub")).forEach(s -> assertEquals(ModelState.READY, s.state(), s::toString));
        try (ModelServer server = serve(manager, List.of("add_sub"))) {
            int port = server.address().getPort();
            // "config": the configuration as JSON replaces config.pbtxt
            JsonNode config = RawHttp.once(port, "GET", "/v2/models/add_sub/config", Map.of(), null).json();
            ((com.fasterxml.jackson.databind.node.ObjectNode) config.path("parameters")).putObject("greeting")
                    .put("string_value", "hello");
            String body = JSON.writeValueAsString(Map.of("parameters", Map.of("config", config.toString())));
            assertEquals(200, RawHttp.once(port, "POST", "/v2/repository/models/add_sub/load", Map.of(),
                    body.getBytes(StandardCharsets.UTF_8)).status());
            assertEquals("hello", RawHttp.once(port, "GET", "/v2/models/add_sub/config", Map.of(), null).json()
                    .path("parameters").path("greeting").path("string_value").asText());
            // "file:<path>" (base64) with "config": a model made of the request's files
            String model = "import triton_python_backend_utils as pb_utils\nclass TritonPythonModel:\n"
                    + "    def execute(self, requests):\n"
                    + "        return [pb_utils.InferenceResponse([pb_utils.Tensor('OUT', ['from files'])]) "
                    + "for _ in requests]\n";
            String madeConfig = "{\"backend\":\"python\",\"input\":[{\"name\":\"IN\",\"data_type\":\"TYPE_STRING\","
                    + "\"dims\":[1]}],\"output\":[{\"name\":\"OUT\",\"data_type\":\"TYPE_STRING\",\"dims\":[1]}]}";
            String files = JSON.writeValueAsString(Map.of("parameters", Map.of("config", madeConfig,
                    "file:1/model.py", Base64.getEncoder().encodeToString(model.getBytes(StandardCharsets.UTF_8)))));
            RawHttp.Response made = RawHttp.once(port, "POST", "/v2/repository/models/made/load", Map.of(),
                    files.getBytes(StandardCharsets.UTF_8));
            assertEquals(200, made.status(), made::toString);
            RawHttp.Response answer = post(port, "/v2/models/made/infer",
                    "{'inputs':[{'name':'IN','shape':[1],'datatype':'BYTES','data':['x']}]}");
            assertEquals("from files", answer.json().path("outputs").get(0).path("data").get(0).asText());
            Path where = manager.model("made").orElseThrow().modelDir();
            assertTrue(Files.isRegularFile(where.resolve("1/model.py")));
            assertEquals(200, post(port, "/v2/repository/models/made/unload", "").status());
            assertFalse(Files.exists(where), "the files go with the model");
            // Core's checks (model_repository_manager.cc)
            assertEquals("Load parameter 'config' must be specified for model file override",
                    post(port, "/v2/repository/models/made/load", "{'parameters':{'file:1/model.py':'eA=='}}")
                            .json().path("error").asText());
            assertTrue(post(port, "/v2/repository/models/add_sub/load", "{'parameters':{'config':'{not json'}}")
                    .json().path("error").asText().startsWith("Invalid config override: "));
            String escaping = post(port, "/v2/repository/models/made/load", "{'parameters':{'config':'{}',"
                    + "'file:../x.py':'eA=='}}").json().path("error").asText();
            assertTrue(escaping.startsWith("Invalid file parameter 'file:../x.py' with normalized path '")
                    && escaping.endsWith("' must stay within model directory."), escaping);
            assertEquals("Unrecognized load parameter 'nope'", post(port, "/v2/repository/models/add_sub/load",
                    "{'parameters':{'nope':1}}").json().path("error").asText());
        }
    }

    @Test
    void modelsLoadUnloadAndAskAboutModelsFromPython(@TempDir Path repo) throws Exception {
        Models.copy(repo, "add_sub", "loader");
        Captured log = new Captured();
        ModelManager manager = new ModelManager(repo, Models.options(Allocator.SYSTEM, ActivationMode.direct), log,
                log);
        // explicit mode, only loader at start: its initialize() loads add_sub (allowed there, unlike BLS)
        manager.loadAll(List.of("loader")).forEach(s -> assertEquals(ModelState.READY, s.state(), s::toString));
        try (manager) {
            assertTrue(manager.model("add_sub").orElseThrow().ready());
            JsonNode ready = call(manager, "ready");
            assertTrue(ready.path("at_init").asBoolean());
            assertTrue(ready.path("now").asBoolean());
            assertTrue(ready.path("version_1").asBoolean());
            assertFalse(ready.path("version_9").asBoolean());
            assertFalse(ready.path("unknown").asBoolean(), "an unknown model is not ready (no error)");
            assertFalse(call(manager, "unload").path("now").asBoolean());
            assertTrue(manager.model("add_sub").isEmpty());
            assertTrue(call(manager, "load_again").path("now").asBoolean());
            JsonNode made = call(manager, "load_files");
            assertTrue(made.path("ready").asBoolean());
            assertEquals("made from files", made.path("out").asText());
            JsonNode errors = call(manager, "errors");
            assertTrue(errors.path("bad_config").path("error").asText().startsWith("Failed to load model: Invalid "
                    + "config override: "), errors::toString);
            assertEquals("Failed to load model: Load parameter 'config' must be specified for model file override",
                    errors.path("files_without_config").path("error").asText());
            assertEquals("failed to load model 'made', files should be a dictionary of file paths and file contents",
                    errors.path("files_not_dict").path("error").asText());
            assertTrue(errors.path("escaping_file").path("error").asText().startsWith("Failed to load model: Invalid "
                    + "file parameter 'file:../x.py'"), errors::toString);
            assertEquals("Failed to check model readiness: failed to get model version from specified version string "
                    + "'-1', version should be an integral value > 0", errors.path("bad_version").path("error").asText());
            assertTrue(errors.path("missing_model").path("error").asText().startsWith("Failed to load model: load "
                    + "failed for model 'nope': "), errors::toString);
        }
    }

    private static JsonNode call(ModelManager manager, String which) throws Exception {
        try (var r = manager.model("loader").orElseThrow().submit(Models.request(Models.bytes("CASE", which))).join()) {
            assertTrue(r.error().isEmpty(), () -> which + ": " + r.error());
            return JSON.readTree(Models.strings(Models.output(r, "TEXT")).get(0));
        }
    }

    @Test
    void theLoggingEndpointShowsAndChangesTheLogSettings(@TempDir Path repo) {
        Models.copy(repo, "add_sub");
        Captured log = new Captured();
        ModelManager manager = new ModelManager(repo, Models.options(Allocator.SYSTEM, ActivationMode.direct), log,
                log);
        manager.loadAll(List.of());
        try (ModelServer server = serve(manager, List.of("add_sub"))) {
            int port = server.address().getPort();
            RawHttp.Response get = RawHttp.once(port, "GET", "/v2/logging", Map.of(), null);
            assertEquals("{\"log_file\":\"\",\"log_info\":true,\"log_warning\":true,\"log_error\":true,"
                    + "\"log_verbose_level\":0,\"log_format\":\"default\"}", get.text());
            RawHttp.Response set = post(port, "/v2/logging", "{'log_verbose_level':1,'log_info':false}");
            assertEquals(200, set.status(), set::toString);
            assertEquals(1, set.json().path("log_verbose_level").asInt());
            assertFalse(set.json().path("log_info").asBoolean());
            assertEquals(1, manager.logSettings().verbose(), "applied");
            assertEquals(501, post(port, "/v2/logging", "{'log_file':'/tmp/x'}").status());
            assertEquals("invalid argument for --log_format, got: fancy",
                    post(port, "/v2/logging", "{'log_format':'fancy'}").json().path("error").asText());
            assertEquals("attempt to access JSON non-boolean as boolean",
                    post(port, "/v2/logging", "{'log_error':'yes'}").json().path("error").asText());
            assertEquals(405, RawHttp.once(port, "PUT", "/v2/logging", Map.of(), new byte[0]).status());
        }
    }
}
