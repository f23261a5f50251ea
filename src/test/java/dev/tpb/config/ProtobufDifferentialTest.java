package dev.tpb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.testing.Proc;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * protobuf's own parser as the judge: {@code protoc --encode} (libprotoc, the C++ text-format parser family Triton
 * uses) must accept exactly what tpb accepts, and protobuf's JSON printer (Python, with defaults printed) must agree
 * with the JSON view up to Triton's int64 rewrite. The schema given to protoc is written from tpb's own
 * ({@link ProtoSchemaWriter}). Skipped when protoc or Python's protobuf is not installed (.ci/run installs both).
 */
class ProtobufDifferentialTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void writeSchema() throws IOException {
        Files.writeString(dir.resolve("model_config.proto"), ProtoSchemaWriter.write());
    }

    private static boolean protocAvailable() {
        try {
            return Proc.run("protoc", "--version").exitCode() == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** protoc's verdict: null when it accepts the text, else its first error line. */
    private static String protoc(String text) throws IOException {
        Path input = dir.resolve("input.pbtxt");
        Files.writeString(input, text);
        ProcessBuilder pb = new ProcessBuilder("protoc", "--encode=inference.ModelConfig", "model_config.proto")
                .directory(dir.toFile()).redirectInput(input.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes());
        try {
            return p.waitFor() == 0 ? null : err.lines().findFirst().orElse("failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** tpb's verdict: null when it parses with no errors, else the first error. */
    private static String tpb(String text) {
        try {
            List<ConfigProblem> errors = ConfigValidator.validate(ConfigDocument.parse(text, "input")).stream()
                    .filter(ConfigProblem::isError).toList();
            return errors.isEmpty() ? null : errors.get(0).format();
        } catch (ConfigSyntaxException e) {
            return e.getMessage();
        }
    }

    @Test
    void protocAcceptsTheCorpusAndAgreesOnMutations() throws IOException {
        assumeTrue(protocAvailable(), "protoc is not installed");
        for (Path file : Corpus.files()) {
            assertEquals(null, protoc(Files.readString(file)), file::toString);
        }
        Random random = new Random(7);
        List<Path> files = Corpus.files();
        int rejected = 0;
        for (int round = 0; round < 400; round++) {
            String text = Mutations.mutate(Corpus.text(files.get(random.nextInt(files.size())).getFileName()
                    .toString()), random);
            String theirs = protoc(text);
            String ours = tpb(text);
            assertEquals(theirs == null, ours == null, "protoc: " + theirs + "\ntpb: " + ours + "\nfor:\n" + text);
            rejected += theirs == null ? 0 : 1;
        }
        assertEquals(true, rejected > 50, "too few rejected inputs to mean anything: " + rejected);
    }

    @Test
    void protobufsJsonPrinterAgreesWithTheView() throws Exception {
        assumeTrue(protocAvailable(), "protoc is not installed");
        File python = new File("/usr/bin/python3");
        assumeTrue(python.canExecute() && Proc.run(python.getPath(), "-c", "import google.protobuf").exitCode() == 0,
                "Python's protobuf is not installed");
        assertEquals(0, Proc.run(List.of("protoc", "--python_out=" + dir, "--proto_path=" + dir,
                dir.resolve("model_config.proto").toString())).exitCode());
        Path script = Path.of(ProtobufDifferentialTest.class.getResource("protobuf_json.py").toURI());
        ObjectMapper mapper = new ObjectMapper();
        List<String> command = new ArrayList<>(List.of(python.getPath(), script.toString(), dir.toString()));
        for (Path file : Corpus.files()) {
            if (file.getFileName().toString().equals("syntax_zoo.pbtxt")) {
                continue; // Python's text parser reads \\u escapes differently from C++'s; checked below without them
            }
            Path json = dir.resolve(file.getFileName() + ".json");
            mapper.writeValue(json.toFile(), ModelConfigJson.of(ConfigDocument.parse(file)));
            command.add(file.toString());
            command.add(json.toString());
        }
        String zoo = Corpus.text("syntax_zoo.pbtxt").replace("\\u00e9 \\U0001F600", "");
        Path zooFile = dir.resolve("zoo.pbtxt");
        Files.writeString(zooFile, zoo);
        mapper.writeValue(dir.resolve("zoo.json").toFile(), ModelConfigJson.of(ConfigDocument.parse(zoo, "zoo")));
        command.add(zooFile.toString());
        command.add(dir.resolve("zoo.json").toString());
        Proc result = Proc.run(command);
        assertEquals(0, result.exitCode(), result::toString);
    }
}
