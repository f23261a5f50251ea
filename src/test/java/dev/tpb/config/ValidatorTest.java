package dev.tpb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation finds the typos planted in src/test/resources/dev/tpb/config/planted, each at its place. */
class ValidatorTest {
    private static List<String> problems(Path file) {
        return ConfigValidator.validate(ConfigDocument.parse(file)).stream()
                .map(p -> p.line() + ":" + p.column() + " " + p.severity() + " " + p.message()).toList();
    }

    private static Path planted(String name) throws URISyntaxException {
        return Path.of(ValidatorTest.class.getResource("planted/" + name).toURI());
    }

    @Test
    void findsEveryPlantedTypo() throws Exception {
        assertEquals(List.of(
                "2:1 error Message type \"inference.ModelConfig\" has no field named \"Name\". Did you mean \"name\"?",
                "4:1 error Non-repeated field \"backend\" is specified multiple times.",
                "5:1 error Message type \"inference.ModelConfig\" has no field named \"max_batch_sise\". "
                        + "Did you mean \"max_batch_size\"?",
                "9:16 error Unknown enumeration value of \"TYPE_FP23\" for field \"data_type\". "
                        + "Did you mean \"TYPE_FP32\"?",
                "10:10 error Expected \":\", found \"[\".",
                "11:15 error Invalid value for boolean field \"optional\". Value: \"yes\".",
                "14:39 error Unknown enumeration value of \"type_fp32\" for field \"data_type\". "
                        + "Did you mean \"TYPE_FP32\"?",
                "14:57 error Expected integer, got: 1.5",
                "15:42 error Integer out of range (3000000000)",
                "16:50 error Expected integer, got: -",
                "17:1 error Field \"sequence_batching\" is specified along with field \"dynamic_batching\", "
                        + "another member of oneof \"scheduling_choice\".",
                "18:39 error Expected identifier, got: \"true\"",
                "19:47 error Expected \"{\", found \"\"triton_env.tar.gz\"\".",
                "20:72 error Incorrect value for FORCE_CPU_ONLY_INPUT_TENSORS: \"maybe\"; the Python backend accepts "
                        + "\"yes\" or \"no\".",
                "21:53 warning Unfilled template placeholder ${tokenizer_dir} in parameters[tokenizer].value"
                        + ".string_value: the model receives it literally; fill it in (e.g. with fill_template.py).",
                "22:48 warning \"$TRITON_MODEL_DIRECTORY\" in parameters[env2].value.string_value is not substituted "
                        + "by Triton; only \"$$TRITON_MODEL_DIRECTORY\" is (template fillers such as fill_template.py "
                        + "turn \"$$\" into \"$\").",
                "23:46 error Field \"all\" is specified along with field \"latest\", another member of oneof "
                        + "\"policy_choice\"."), problems(planted("typos.pbtxt")));
    }

    @Test
    void lintsExecutionEnvPaths() throws Exception {
        List<String> found = problems(planted("env_paths.pbtxt"));
        assertEquals(4, found.size(), found::toString);
        assertTrue(found.get(0).startsWith("2:62 warning EXECUTION_ENV_PATH \"envs/python3.10.tar.zst\" is relative"));
        assertTrue(found.get(1).startsWith("2:62 warning python3.10.tar.zst: Triton reads only gzip-compressed or "
                + "plain tar archives"));
        assertEquals("3:19 warning parameters key \"EXECUTION_ENV_PATH\" is given 2 times (lines 2, 3); Triton uses "
                + "the last one.", found.get(2));
        assertTrue(found.get(3).startsWith("3:62 warning EXECUTION_ENV_PATH \"/opt/envs/$$TRITON_MODEL_DIRECTORY/env"
                + ".tar.gz\" has $$TRITON_MODEL_DIRECTORY in the middle"));
    }

    @Test
    void problemsCarryTheFileName() throws Exception {
        ConfigProblem first = ConfigValidator.validate(ConfigDocument.parse(planted("typos.pbtxt"))).get(0);
        assertEquals(planted("typos.pbtxt").toString(), first.file());
        assertEquals(planted("typos.pbtxt") + ":2:1: error: Message type \"inference.ModelConfig\" has no field named "
                + "\"Name\". Did you mean \"name\"?", first.format());
    }

    @Test
    void nameMustMatchTheModelDirectory(@TempDir Path repo) throws Exception {
        Path model = Files.createDirectories(repo.resolve("add_sub"));
        Files.writeString(model.resolve("config.pbtxt"), "name: \"add\"\nbackend: \"python\"\n");
        assertEquals(List.of("1:7 error unexpected directory name 'add_sub' for model 'add', directory name must "
                + "equal model name"), problems(model.resolve("config.pbtxt")));
        Files.writeString(model.resolve("config.pbtxt"), "name: \"add_sub\"\n");
        assertEquals(List.of(), problems(model.resolve("config.pbtxt")));
    }

    @Test
    void environmentTargetsAreCheckedWhenTheModelDirectoryIsKnown(@TempDir Path repo) throws Exception {
        Path model = Files.createDirectories(repo.resolve("m"));
        Files.createDirectories(model.resolve("env/bin"));
        Files.writeString(model.resolve("config.pbtxt"), "parameters { key: \"EXECUTION_ENV_PATH\" value { "
                + "string_value: \"$$TRITON_MODEL_DIRECTORY/env\" } }\n");
        List<String> found = problems(model.resolve("config.pbtxt"));
        assertEquals(1, found.size(), found::toString);
        assertTrue(found.get(0).contains("is a directory without bin/activate"), found::toString);
        Files.writeString(model.resolve("env/bin/activate"), "");
        assertEquals(List.of(), problems(model.resolve("config.pbtxt")));
    }

    @Test
    void enumNumbersWithoutANameAreAcceptedWithAWarning() {
        List<ConfigProblem> found = ConfigValidator.validate(ConfigDocument.parse(
                "instance_group { kind: 2 } instance_group { kind: 7 }", "x"));
        assertEquals(1, found.size());
        assertEquals("No value of inference.ModelInstanceGroup.Kind has the number 7; Triton keeps the number as is.",
                found.get(0).message());
    }

    @Test
    void didYouMeanOffersOnlyCloseNames() {
        assertEquals(java.util.Optional.of("instance_group"),
                DidYouMean.closest("instance_groups", ModelConfigSchema.MODEL_CONFIG.fieldNames()));
        assertEquals(java.util.Optional.empty(),
                DidYouMean.closest("frobnicate", ModelConfigSchema.MODEL_CONFIG.fieldNames()));
    }
}
