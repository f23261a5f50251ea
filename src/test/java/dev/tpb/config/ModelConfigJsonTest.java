package dev.tpb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.TpbException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The JSON view is shaped like Triton's ModelConfigToJson output. */
class ModelConfigJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static ObjectNode json(String name) {
        return ModelConfigJson.of(ConfigDocument.parse(Corpus.file(name)));
    }

    @Test
    void addSubLooksExactlyLikeTritonsJson() throws Exception {
        assertEquals("{\"name\":\"add_sub\",\"platform\":\"\",\"backend\":\"python\",\"runtime\":\"\","
                + "\"max_batch_size\":0,"
                + "\"input\":[{\"name\":\"INPUT0\",\"data_type\":\"TYPE_FP32\",\"format\":\"FORMAT_NONE\","
                + "\"dims\":[4],\"is_shape_tensor\":false,\"allow_ragged_batch\":false,\"optional\":false,"
                + "\"is_non_linear_format_io\":false},"
                + "{\"name\":\"INPUT1\",\"data_type\":\"TYPE_FP32\",\"format\":\"FORMAT_NONE\",\"dims\":[4],"
                + "\"is_shape_tensor\":false,\"allow_ragged_batch\":false,\"optional\":false,"
                + "\"is_non_linear_format_io\":false}],"
                + "\"output\":[{\"name\":\"OUTPUT0\",\"data_type\":\"TYPE_FP32\",\"dims\":[4],\"label_filename\":\"\","
                + "\"is_shape_tensor\":false,\"is_non_linear_format_io\":false},"
                + "{\"name\":\"OUTPUT1\",\"data_type\":\"TYPE_FP32\",\"dims\":[4],\"label_filename\":\"\","
                + "\"is_shape_tensor\":false,\"is_non_linear_format_io\":false}],"
                + "\"batch_input\":[],\"batch_output\":[],"
                + "\"instance_group\":[{\"name\":\"\",\"kind\":\"KIND_CPU\",\"count\":0,\"gpus\":[],"
                + "\"secondary_devices\":[],\"profile\":[],\"passive\":false,\"host_policy\":\"\"}],"
                + "\"default_model_filename\":\"\",\"cc_model_filenames\":{},\"metric_tags\":{},\"parameters\":{},"
                + "\"model_warmup\":[]}", MAPPER.writeValueAsString(json("add_sub.pbtxt")));
    }

    @Test
    void parametersAreObjectsWithStringValue() {
        JsonNode parameters = json("parameters_forms.pbtxt").get("parameters");
        assertEquals("{\"FORCE_CPU_ONLY_INPUT_TENSORS\":{\"string_value\":\"yes\"},"
                + "\"EXECUTION_ENV_PATH\":{\"string_value\":\"$$TRITON_MODEL_DIRECTORY/python3.10.tar.gz\"},"
                + "\"batch_log\":{\"string_value\":\"on\"},\"threads\":{\"string_value\":\"2\"}}", parameters.toString());
        // An entry without a value gets ModelParameter's defaults.
        assertEquals("{\"string_value\":\"\"}", json("syntax_zoo.pbtxt").get("parameters").get("empty").toString());
    }

    @Test
    void presentMessagesPrintTheirDefaultsAndAbsentOnesAreLeftOut() {
        ObjectNode config = json("parameters_forms.pbtxt");
        assertEquals("{\"preferred_batch_size\":[],\"max_queue_delay_microseconds\":0,\"preserve_ordering\":false,"
                + "\"priority_levels\":0,\"default_priority_level\":0,\"priority_queue_policy\":{}}",
                config.get("dynamic_batching").toString());
        for (String absent : List.of("version_policy", "optimization", "sequence_batching", "ensemble_scheduling",
                "model_operations", "model_transaction_policy", "model_repository_agents", "response_cache",
                "model_metrics")) {
            assertFalse(config.has(absent), absent);
        }
    }

    @Test
    void sixtyFourBitIntegersFollowTritonsFixUp() {
        ObjectNode zoo = json("syntax_zoo.pbtxt");
        JsonNode batching = zoo.get("dynamic_batching");
        assertTrue(batching.get("max_queue_delay_microseconds").isIntegralNumber());
        assertEquals("18446744073709551615", batching.get("default_queue_policy").get("default_timeout_microseconds")
                .toString());
        assertEquals("[\"1\",\"2\"]", MAPPER.valueToTree(iterate(batching.get("priority_queue_policy").fieldNames()))
                .toString()); // map keys stay strings
        assertEquals("[1,3,5]", zoo.get("version_policy").get("specific").get("versions").toString());
        assertEquals("[-1,-1,3]", zoo.get("input").get(0).get("dims").toString());
        // Triton leaves these as protobuf prints them: strings.
        assertEquals("\"0\"", zoo.get("instance_group").get(0).get("secondary_devices").get(0).get("device_id")
                .toString());
        assertEquals("[\"224\",\"224\",\"3\"]", zoo.get("optimization").get("cuda").get("graph_spec").get(0)
                .get("input").get("IMAGE").get("dim").toString());
        JsonNode state = json("implicit_state.pbtxt").get("sequence_batching").get("state").get(0);
        assertEquals("[1]", state.get("dims").toString());
        assertEquals("[\"1\"]", state.get("initial_state").get(0).get("dims").toString());
        assertEquals(-1, json("ensemble_fan_repeat.pbtxt").get("ensemble_scheduling").get("step").get(0)
                .get("model_version").asInt());
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> list = new ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }

    @Test
    void enumsFloatsAndOneofsPrintAsProtobufDoes() {
        ObjectNode zoo = json("syntax_zoo.pbtxt");
        assertEquals("TYPE_BOOL", zoo.get("input").get(1).get("data_type").asText()); // given as 1
        assertEquals("KIND_CPU", zoo.get("instance_group").get(0).get("kind").asText()); // given as 2
        assertEquals("[\"-Infinity\",-5,-2,0,0.5,3.5,2.5,1000,10000,\"Infinity\",\"NaN\"]", zoo.get("model_metrics")
                .get("metric_control").get(0).get("histogram_options").get("buckets").toString());
        JsonNode warmup = zoo.get("model_warmup");
        assertEquals("{\"data_type\":\"TYPE_UINT8\",\"dims\":[8,8,3],\"zero_data\":true}",
                warmup.get(0).get("inputs").get("IMAGE").toString()); // only the oneof member that is set
        assertEquals(0.5, json("crlf_tabs.pbtxt").get("sequence_batching").get("direct")
                .get("minimum_slot_utilization").asDouble());
        ObjectNode bad = ModelConfigJson.of(ConfigDocument.parse("instance_group { kind: 7 }", "x"));
        assertEquals(7, bad.get("instance_group").get(0).get("kind").asInt());
    }

    @Test
    void stringsAreDecoded() {
        assertEquals("vision\tresearch AA\u00e9 \uD83D\uDE00",
                json("syntax_zoo.pbtxt").get("metric_tags").get("team").asText());
        assertEquals("python", json("syntax_zoo.pbtxt").get("backend").asText());
    }

    @Test
    void allDefaultConfigIsRecognised() {
        ObjectNode empty = json("empty.pbtxt");
        assertTrue(ModelConfigJson.isAllDefault(empty));
        assertEquals("[]", empty.get("input").toString());
        assertEquals("[]", empty.get("output").toString());
        assertFalse(ModelConfigJson.isAllDefault(json("no_trailing_newline.pbtxt")));
    }

    @Test
    void invalidConfigsAreRefusedWithTheirErrors() {
        ConfigInvalidException e = assertThrows(ConfigInvalidException.class,
                () -> ModelConfigJson.of(ConfigDocument.parse("name: \"x\"\nnmae: \"y\"\n", "m/config.pbtxt")));
        assertEquals("m/config.pbtxt:2:1: Message type \"inference.ModelConfig\" has no field named \"nmae\". "
                + "Did you mean \"name\"?", e.getMessage());
        assertEquals(1, e.problems().size());
    }

    static Stream<Path> corpus() {
        return Corpus.files().stream();
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void normalizeKeepsTheViewAsItIs(Path file) {
        ObjectNode view = ModelConfigJson.of(ConfigDocument.parse(file));
        assertEquals(view, ModelConfigJson.normalize(view));
        assertEquals(view.toString(), ModelConfigJson.normalize(view).toString()); // same order too
    }

    @Test
    void normalizeFillsDefaultsLikeTheTextFormat() throws Exception {
        JsonNode given = MAPPER.readTree("{\"name\":\"m\",\"maxBatchSize\":\"4\",\"backend\":\"python\","
                + "\"input\":[{\"name\":\"X\",\"data_type\":\"type_fp32\",\"dims\":[\"4\",-1]}],"
                + "\"output\":[{\"name\":\"Y\",\"data_type\":11,\"dims\":[4]}],\"dynamic_batching\":{},"
                + "\"instance_group\":[{\"kind\":\"KIND_CPU\",\"count\":1,\"secondary_devices\":[{\"device_id\":3}]}],"
                + "\"parameters\":{\"k\":{\"string_value\":\"v\"}},\"optimization\":null}");
        ObjectNode expected = ModelConfigJson.of(ConfigDocument.parse("name: \"m\" max_batch_size: 4 "
                + "backend: \"python\" input { name: \"X\" data_type: TYPE_FP32 dims: [4, -1] } "
                + "output { name: \"Y\" data_type: TYPE_FP32 dims: 4 } dynamic_batching {} "
                + "instance_group { kind: KIND_CPU count: 1 secondary_devices { device_id: 3 } } "
                + "parameters { key: \"k\" value { string_value: \"v\" } }", "m"));
        assertEquals(expected.toString(), ModelConfigJson.normalize(given).toString());
    }

    @Test
    void normalizeRejectsWhatTritonRejects() throws Exception {
        TpbException unknown = assertThrows(TpbException.class,
                () -> ModelConfigJson.normalize(MAPPER.readTree("{\"input\":[{\"nmae\":\"x\"}]}")));
        assertEquals("model config.input[0]: message type \"inference.ModelInput\" has no field named \"nmae\". "
                + "Did you mean \"name\"?", unknown.getMessage());
        TpbException oneof = assertThrows(TpbException.class, () -> ModelConfigJson.normalize(
                MAPPER.readTree("{\"dynamic_batching\":{},\"sequence_batching\":{}}")));
        assertEquals("model config: fields \"dynamic_batching\" and \"sequence_batching\" are both set, but they are "
                + "members of oneof \"scheduling_choice\"", oneof.getMessage());
        TpbException type = assertThrows(TpbException.class,
                () -> ModelConfigJson.normalize(MAPPER.readTree("{\"max_batch_size\":\"four\"}")));
        assertEquals("model config.max_batch_size: expected an integer, got string \"four\"", type.getMessage());
        TpbException range = assertThrows(TpbException.class,
                () -> ModelConfigJson.normalize(MAPPER.readTree("{\"max_batch_size\":3000000000}")));
        assertEquals("model config.max_batch_size: 3000000000 is out of range for int32", range.getMessage());
        assertThrows(TpbException.class, () -> ModelConfigJson.normalize(MAPPER.readTree("[]")));
    }
}
