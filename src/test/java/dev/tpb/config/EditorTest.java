package dev.tpb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tpb.TpbException;
import dev.tpb.UsageException;
import org.junit.jupiter.api.Test;

/** Each edit against its exact expected output: only the edited span changes, in the file's own style. */
class EditorTest {
    private static ConfigDocument doc(String text) {
        return ConfigDocument.parse(text, "config.pbtxt");
    }

    private static String set(String text, String path, String value) {
        return ConfigEditor.set(doc(text), FieldPath.parse(path), value).print();
    }

    private static String unset(String text, String path) {
        return ConfigEditor.unset(doc(text), FieldPath.parse(path)).print();
    }

    private static String env(String text, String value) {
        return ConfigEditor.setParameter(doc(text), "EXECUTION_ENV_PATH", value).print();
    }

    @Test
    void replacesAScalarInPlaceKeepingComments() {
        assertEquals("# model\nbackend: \"python_3_10\"  # which stub\nmax_batch_size: 8\n",
                set("# model\nbackend: \"python\"  # which stub\nmax_batch_size: 8\n", "backend", "python_3_10"));
        assertEquals("max_batch_size : 16 # batching\n", set("max_batch_size : 0 # batching\n", "max_batch_size",
                "16"));
    }

    @Test
    void replacingAStringUsesTheFilesQuotes() {
        assertEquals("name: 'm'\nbackend: 'it\\'s'\n", set("name: 'm'\nbackend: 'py'\n", "backend", "it's"));
    }

    @Test
    void adjacentLiteralsCollapseAndTheCommentBetweenThemStays() {
        assertEquals("runtime: \"model.py\"  # split\n   \n", set("runtime: \"model\"  # split\n   \".py\"\n",
                "runtime", "model.py"));
    }

    @Test
    void adjacentLiteralsWithoutACommentBecomeOneLiteral() {
        assertEquals("backend: \"python_3_11\"  # stub\n", set("backend: \"py\" 'thon'  # stub\n", "backend",
                "python_3_11"));
    }

    @Test
    void aSingularFieldGivenTwiceIsFixedNotDuplicated() {
        assertEquals("backend: \"b\"\nname: \"n\"\n", set("backend: \"a\"\nname: \"n\"\nbackend: \"c\"\n", "backend",
                "b"));
    }

    @Test
    void newFieldsGoWhereTheSchemaOrderPutsThem() {
        assertEquals("name: \"m\"\nbackend: \"python\"\nmax_batch_size: 0\ninput [ ]\n",
                set("name: \"m\"\nmax_batch_size: 0\ninput [ ]\n", "backend", "python"));
        // After leading comments, right before the first field.
        assertEquals("# inputs\nbackend: \"python\"\ninput [ ]\n", set("# inputs\ninput [ ]\n", "backend", "python"));
        assertEquals("backend: \"python\"\n", set("", "backend", "python"));
        assertEquals("name: \"m\"\nbackend: \"python\"", set("backend: \"python\"", "name", "m"));
        assertEquals("backend: \"python\"\nmax_batch_size: 1", set("backend: \"python\"", "max_batch_size", "1"));
    }

    @Test
    void nestedMessagesAreCreatedWithTheFilesIndentation() {
        assertEquals("name: \"m\"\ninput {\n    name: \"X\"\n}\ndynamic_batching {\n    max_queue_delay_microseconds: 100\n}\n",
                set("name: \"m\"\ninput {\n    name: \"X\"\n}\n", "dynamic_batching.max_queue_delay_microseconds",
                        "100"));
        assertEquals("input: {\n\tname: \"X\"\n}\ndynamic_batching: {\n\tdefault_queue_policy: {\n\t\tmax_queue_size: 4"
                        + "\n\t}\n}\n",
                set("input: {\n\tname: \"X\"\n}\n", "dynamic_batching.default_queue_policy.max_queue_size", "4"));
        assertEquals("dynamic_batching {\n  max_queue_delay_microseconds: 5\n  preserve_ordering: true\n}\n",
                set("dynamic_batching {\n  max_queue_delay_microseconds: 5\n}\n", "dynamic_batching.preserve_ordering",
                        "true"));
    }

    @Test
    void oneLineMessagesStayOnOneLine() {
        assertEquals("instance_group [ { count: 2 kind: KIND_CPU } ]\n",
                set("instance_group [ { count: 1 kind: KIND_CPU } ]\n", "instance_group[0].count", "2"));
        assertEquals("instance_group [ { count: 1 kind: KIND_CPU passive: true } ]\n",
                set("instance_group [ { count: 1 kind: KIND_CPU } ]\n", "instance_group[0].passive", "true"));
        assertEquals("input [ { name: \"X\", data_type: TYPE_FP32, dims: [ 4 ] } ]\n",
                set("input [ { name: \"X\", data_type: TYPE_FP32 } ]\n", "input[X].dims", "4"));
        assertEquals("model_transaction_policy { decoupled: true }\n",
                set("model_transaction_policy { }\n", "model_transaction_policy.decoupled", "true"));
    }

    @Test
    void repeatedScalarsAndMessagesTakeLists() {
        assertEquals("input { name: \"X\" dims: [ 4, -1 ] }\n",
                set("input { name: \"X\" dims: 1 dims: 2 }\n", "input[0].dims", "4,-1"));
        assertEquals("input { name: \"X\" dims: [1,2] }\n", set("input { name: \"X\" dims [4] }\n", "input[X].dims",
                "[1,2]"));
        assertEquals("instance_group [ { kind: KIND_GPU count: 2 } ]\n",
                set("instance_group [ { kind: KIND_CPU } ]\n", "instance_group", "[ { kind: KIND_GPU count: 2 } ]"));
        assertEquals("backend: \"python\"\ninstance_group { kind: KIND_CPU }\n",
                set("backend: \"python\"\n", "instance_group[0]", "kind: KIND_CPU"));
    }

    @Test
    void executionEnvPathIsAddedAsABlockWhenThereAreNoParameters() {
        assertEquals("backend: \"python\"\n\ninstance_group [ { kind: KIND_CPU } ]\nparameters {\n  key: "
                        + "\"EXECUTION_ENV_PATH\"\n  value {\n    string_value: \"$$TRITON_MODEL_DIRECTORY/env.tar.gz\"\n  }"
                        + "\n}\n",
                env("backend: \"python\"\n\ninstance_group [ { kind: KIND_CPU } ]\n",
                        "$$TRITON_MODEL_DIRECTORY/env.tar.gz"));
    }

    @Test
    void executionEnvPathIsUpdatedInPlaceInEveryForm() {
        String oneLine = "parameters: {key: \"EXECUTION_ENV_PATH\", value: {string_value: \"old\"}}\n";
        assertEquals(oneLine.replace("old", "new"), env(oneLine, "new"));
        String block = "parameters {\n  key: \"EXECUTION_ENV_PATH\"\n  value {\n    string_value: \"old\" # env\n  }\n}\n";
        assertEquals(block.replace("old", "new"), env(block, "new"));
        String list = "parameters: [ { key: \"A\", value: {string_value: \"a\"} }, { key: \"EXECUTION_ENV_PATH\" "
                + "value { string_value: 'old' } } ]\n";
        assertEquals(list.replace("'old'", "'new'"), env(list, "new"));
        // Never duplicated: every existing entry is updated.
        String twice = "parameters { key: \"EXECUTION_ENV_PATH\" value { string_value: \"a\" } }\n"
                + "parameters { key: \"EXECUTION_ENV_PATH\" value { string_value: \"b\" } }\n";
        assertEquals(twice.replace("\"a\"", "\"c\"").replace("\"b\"", "\"c\""), env(twice, "c"));
    }

    @Test
    void aNewParameterCopiesTheLayoutOfTheLastEntry() {
        String qa = "backend: \"python\"\nparameters: {key: \"A\", value: {string_value: \"a\"}}\ninput [ ]\n";
        assertEquals("backend: \"python\"\nparameters: {key: \"A\", value: {string_value: \"a\"}}\n"
                + "parameters: {key: \"EXECUTION_ENV_PATH\", value: {string_value: \"/envs/e\"}}\ninput [ ]\n",
                env(qa, "/envs/e"));
        String list = "parameters [\n  {\n    key: \"A\"\n    value: { string_value: \"a\" }\n  }\n]\n";
        assertEquals("parameters [\n  {\n    key: \"A\"\n    value: { string_value: \"a\" }\n  },\n  {\n    key: "
                + "\"EXECUTION_ENV_PATH\"\n    value: { string_value: \"e\" }\n  }\n]\n", env(list, "e"));
        String inline = "parameters: [ { key: 'A', value: {string_value: 'a'} } ]\n";
        assertEquals("parameters: [ { key: 'A', value: {string_value: 'a'} }, { key: 'EXECUTION_ENV_PATH', value: "
                + "{string_value: 'e'} } ]\n", env(inline, "e"));
    }

    @Test
    void anEntryWithoutAValueGetsOne() {
        assertEquals("parameters { key: \"EXECUTION_ENV_PATH\" value { string_value: \"e\" } }\n",
                env("parameters { key: \"EXECUTION_ENV_PATH\" }\n", "e"));
    }

    @Test
    void unsetRemovesWholeLinesAndKeepsTrailingComments() {
        assertEquals("name: \"m\"\n# keep me\nmax_batch_size: 0\n",
                unset("name: \"m\"\n# keep me\nbackend: \"python\"\nmax_batch_size: 0\n", "backend"));
        assertEquals("name: \"m\"\n# why\nmax_batch_size: 0\n",
                unset("name: \"m\"\nbackend: \"python\" # why\nmax_batch_size: 0\n", "backend"));
        assertEquals("input { name: \"X\" }\n", unset("input { name: \"X\" optional: true }\n", "input[0].optional"));
        assertEquals("input { optional: true }\n", unset("input { name: \"X\" optional: true }\n", "input[X].name"));
    }

    @Test
    void unsetRemovesListElementsAndTheirCommas() {
        String list = "input [\n  { name: \"A\" },\n  { name: \"B\" },\n  { name: \"C\" }\n]\n";
        assertEquals("input [\n  { name: \"A\" },\n  { name: \"C\" }\n]\n", unset(list, "input[B]"));
        assertEquals("input [\n  { name: \"B\" },\n  { name: \"C\" }\n]\n", unset(list, "input[0]"));
        assertEquals("input [\n  { name: \"A\" },\n  { name: \"B\" }\n]\n", unset(list, "input[2]"));
        assertEquals("output [ ]\n", unset("input [ { name: \"A\" } ]\noutput [ ]\n", "input[A]"));
        assertEquals("parameters [ { key: \"b\" } ]\n",
                unset("parameters [ { key: \"a\" }, { key: \"b\" } ]\n", "parameters[a]"));
        assertEquals("parameters [ { key: \"a\" } ]\n",
                unset("parameters [ { key: \"a\" }, { key: \"b\" } ]\n", "parameters[b]"));
    }

    @Test
    void unsetOfSomethingAbsentChangesNothing() {
        ConfigDocument doc = doc("name: \"m\"\n");
        assertSame(doc, ConfigEditor.unset(doc, FieldPath.parse("parameters[EXECUTION_ENV_PATH]")));
        assertSame(doc, ConfigEditor.unset(doc, FieldPath.parse("dynamic_batching.preserve_ordering")));
    }

    @Test
    void crlfFilesGetCrlfLines() {
        assertEquals("name: \"m\"\r\nbackend: \"python\"\r\n", set("name: \"m\"\r\n", "backend", "python"));
        assertEquals("name: \"m\"\r\n", unset("name: \"m\"\r\nbackend: \"python\"\r\n", "backend"));
    }

    @Test
    void valuesAreCheckedAgainstTheSchemaBeforeAnythingIsWritten() {
        assertEquals("invalid value for instance_group[0].kind (enum Kind): Unknown enumeration value of \"kind_cpu\" "
                        + "for field \"kind\". Did you mean \"KIND_CPU\"?",
                assertThrows(TpbException.class, () -> set("instance_group { }", "instance_group[0].kind",
                        "kind_cpu")).getMessage());
        assertEquals("invalid value for max_batch_size (int32): Integer out of range (3000000000)",
                assertThrows(TpbException.class, () -> set("", "max_batch_size", "3000000000")).getMessage());
        assertEquals("invalid value for model_transaction_policy.decoupled (bool): Invalid value for boolean field "
                        + "\"decoupled\". Value: \"yes\".",
                assertThrows(TpbException.class, () -> set("", "model_transaction_policy.decoupled", "yes"))
                        .getMessage());
        assertEquals("invalid value for dynamic_batching (ModelDynamicBatching): Message type "
                        + "\"inference.ModelDynamicBatching\" has no field named \"max_queue_delay\".",
                assertThrows(TpbException.class, () -> set("", "dynamic_batching", "max_queue_delay: 1"))
                        .getMessage());
    }

    @Test
    void pathsAreCheckedAgainstTheSchema() {
        assertEquals("unknown field 'max_batch_sise' in max_batch_sise: message type inference.ModelConfig has no such "
                + "field. Did you mean \"max_batch_size\"?", assertThrows(UsageException.class,
                () -> set("", "max_batch_sise", "1")).getMessage());
        assertEquals("instance_group is repeated: say which one, e.g. instance_group[0] or instance_group[NAME]",
                assertThrows(UsageException.class, () -> set("", "instance_group.count", "1")).getMessage());
        assertEquals("input[2] does not exist: there is 1 input (index 0)",
                assertThrows(TpbException.class, () -> set("input { name: \"A\" }", "input[2].name", "B"))
                        .getMessage());
        assertEquals("input[Z] does not exist: no input is named \"Z\" (there are: A)",
                assertThrows(TpbException.class, () -> set("input { name: \"A\" }", "input[Z].optional", "true"))
                        .getMessage());
        assertEquals("cannot set dynamic_batching: sequence_batching is already set (line 1), and both are members of "
                        + "oneof \"scheduling_choice\"; unset sequence_batching first",
                assertThrows(TpbException.class, () -> set("sequence_batching { }", "dynamic_batching", "{ }"))
                        .getMessage());
        assertThrows(UsageException.class, () -> FieldPath.parse("input[0"));
        assertThrows(UsageException.class, () -> FieldPath.parse("0input"));
    }

    @Test
    void mapsWithNumericKeys() {
        assertEquals("dynamic_batching { priority_queue_policy { key: 1 value { max_queue_size: 5 } } }\n",
                set("dynamic_batching { }\n", "dynamic_batching.priority_queue_policy[1].max_queue_size", "5"));
        assertEquals("invalid value for dynamic_batching.priority_queue_policy[x] (the key) (uint64): "
                        + "Expected integer, got: x",
                assertThrows(TpbException.class, () -> set("", "dynamic_batching.priority_queue_policy[x]"
                        + ".max_queue_size", "5")).getMessage());
    }

    @Test
    void everyCorpusFileTakesAnEnvironmentAndStaysValid() {
        for (java.nio.file.Path file : Corpus.files()) {
            ConfigDocument doc = ConfigDocument.parse(file);
            ConfigDocument edited = ConfigEditor.setParameter(doc, "EXECUTION_ENV_PATH", "$$TRITON_MODEL_DIRECTORY/e");
            assertEquals(java.util.Optional.of("$$TRITON_MODEL_DIRECTORY/e"), edited.executionEnvPath(),
                    file::toString);
            assertEquals(0, ConfigValidator.validate(edited).stream().filter(ConfigProblem::isError).count(),
                    file::toString);
            // Only lines were added or changed: every comment of the original is still there.
            for (String line : doc.text().split("\n")) {
                if (line.strip().startsWith("#")) {
                    assertEquals(true, edited.text().contains(line), () -> file + ": lost " + line);
                }
            }
        }
    }
}
