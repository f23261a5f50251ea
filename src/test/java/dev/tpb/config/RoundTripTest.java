package dev.tpb.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Printing an unedited document gives the file back byte for byte, and the tree holds what the file says. */
class RoundTripTest {
    static Stream<Path> corpus() {
        return Corpus.files().stream();
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void uneditedDocumentPrintsTheExactBytes(Path file) throws IOException {
        ConfigDocument doc = ConfigDocument.parse(file);
        assertArrayEquals(Files.readAllBytes(file), doc.print().getBytes(StandardCharsets.UTF_8), file::toString);
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void corpusFilesAreValidConfigs(Path file) {
        List<ConfigProblem> errors = ConfigValidator.validate(ConfigDocument.parse(file)).stream()
                .filter(ConfigProblem::isError).toList();
        assertEquals(List.of(), errors);
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void everyCharacterBelongsToExactlyOneToken(Path file) throws IOException {
        ConfigDocument doc = ConfigDocument.parse(file);
        List<Token> tokens = new ArrayList<>();
        collect(doc.root(), tokens);
        int expected = 0;
        for (Token token : tokens) {
            assertEquals(expected, token.offset(), () -> "gap or overlap before " + token);
            expected = token.end();
        }
        assertEquals(Files.readString(file).length(), expected);
    }

    private static void collect(SyntaxElement element, List<Token> tokens) {
        if (element instanceof Token token) {
            tokens.add(token);
        } else {
            for (SyntaxElement child : ((Node) element).elements()) {
                collect(child, tokens);
            }
        }
    }

    @Test
    void treeKeepsEverySyntaxFormOfTheZoo() {
        ConfigDocument doc = ConfigDocument.parse(Corpus.file("syntax_zoo.pbtxt"));
        MessageNode root = doc.root();
        // A comment between a name and its colon, single quotes, a ';' separator.
        FieldNode name = root.fields("name").get(0);
        assertEquals("zoo", ((ScalarNode) name.value()).stringValue());
        // Adjacent literals, across a comment, concatenate.
        assertEquals(java.util.Optional.of("python"), doc.stringField("backend"));
        assertEquals(java.util.Optional.of("model.py"), doc.stringField("runtime"));
        // Escapes: \' \" \t, hex, octal, \\u and \\U.
        assertEquals(java.util.Optional.of("it's \"model\".py"), doc.stringField("default_model_filename"));
        MessageNode tags = Nodes.messages(root, "metric_tags").get(0);
        assertEquals(java.util.Optional.of("vision\tresearch AA\u00e9 \uD83D\uDE00"), Nodes.lastString(tags, "value"));
        // Repeated blocks, lists, '< >' delimiters and an empty list all count.
        assertEquals(3, Nodes.values(root, "input").size());
        assertEquals("<", ((MessageNode) Nodes.values(root, "input").get(2)).open().text());
        assertEquals(3, Nodes.messages(root, "cc_model_filenames").size());
        // A colon before a message and a message without one.
        assertTrue(root.fields("output").get(0).colon() != null);
        assertEquals(null, root.fields("version_policy").get(0).colon());
        // Numbers as written.
        ScalarNode hex = (ScalarNode) root.fields("max_batch_size").get(0).value();
        assertEquals("0x10", hex.text());
        assertEquals(ScalarNode.Kind.INTEGER, hex.kind());
    }

    @Test
    void crlfAndTabsSurvive() {
        String text = Corpus.text("crlf_tabs.pbtxt");
        assertTrue(text.contains("\r\n") && text.contains("\t"));
        assertEquals(text, ConfigDocument.parse(text, "crlf").print());
    }

    @Test
    void emptyAndCommentOnlyFilesAreValid() {
        assertEquals("", ConfigDocument.parse("", "empty").print());
        assertEquals(List.of(), ConfigValidator.validate(ConfigDocument.parse("# only\n\n", "c")));
    }

    @Test
    void accessorsReadParametersAsTritonDoes() {
        ConfigDocument doc = ConfigDocument.parse(Corpus.file("parameters_forms.pbtxt"));
        assertEquals(List.of("FORCE_CPU_ONLY_INPUT_TENSORS", "EXECUTION_ENV_PATH", "batch_log", "threads"),
                List.copyOf(doc.parameters().keySet()));
        assertEquals(java.util.Optional.of("$$TRITON_MODEL_DIRECTORY/python3.10.tar.gz"), doc.executionEnvPath());
        ConfigDocument duplicate = ConfigDocument.parse(
                "parameters { key: \"k\" value { string_value: \"1\" } }\n"
                        + "parameters { key: \"k\" value { string_value: \"2\" } }\n", "d");
        assertEquals(java.util.Map.of("k", "2"), duplicate.parameters());
    }
}
