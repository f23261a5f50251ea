package dev.tpb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.testing.Models;
import dev.tpb.testing.Tpb;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferCommandTest {
    @Test
    void printsOutputsShapedAsTheirShape(@TempDir Path repo) {
        Models.copy(repo, "add_sub");
        Tpb r = Tpb.run("infer", repo.toString(), "add_sub", "--input", "INPUT0=[1,2,3,4]", "--input",
                "INPUT1=[4,3,2,1]", "-q");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("OUTPUT0 FP32 [4]: [5.0,5.0,5.0,5.0]\nOUTPUT1 FP32 [4]: [-3.0,-1.0,1.0,3.0]\n", r.out());
    }

    @Test
    void aDecoupledModelPrintsEveryResponse(@TempDir Path repo) {
        Models.copy(repo, "repeat");
        Tpb r = Tpb.run("infer", repo.toString(), "repeat", "--input", "IN=[4,5]", "--output", "OUT");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("OUT INT32 [1]: [4]\nOUT INT32 [1]: [5]\n", r.out());
        assertTrue(r.err().contains("2 responses (decoupled model)"), r::toString);
    }

    /**
     * tpb infer loads only the model it calls; a BLS call loads its target from the repository first (a tpb
     * extension: a one-shot call has no server that loaded the rest). A model not in the repository gets Triton's
     * words (python_backend src/request_executor.cc asks the server whether the model is ready).
     */
    @Test
    void modelsCalledThroughBlsAreLoadedOnFirstCall(@TempDir Path repo) {
        Models.copy(repo, "bls");
        Models.copy(repo, "add_sub");
        Tpb r = Tpb.run("infer", repo.toString(), "bls", "--input", "CASE=[\"add\"]", "--input", "A=[1,2,3,4]",
                "--input", "B=[1,1,1,1]", "--output", "SUM");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("SUM FP32 [4]: [2.0,3.0,4.0,5.0]\n", r.out());
        assertTrue(r.err().contains("loading model 'add_sub', which model 'bls' calls"), r::toString);

        Tpb unknown = Tpb.run("infer", repo.toString(), "bls", "--input", "CASE=[\"unknown_model\"]", "--output",
                "TEXT");
        assertEquals(0, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.out().contains("Failed for execute the inference request. Model 'nope' is not ready."),
                unknown::toString);
    }

    @Test
    void jsonIsAKserveResponseBody(@TempDir Path repo) throws Exception {
        Models.copy(repo, "string_identity");
        Files.writeString(repo.resolve("in.json"), "[\"a\", \"bc\"]");
        Tpb r = Tpb.run("infer", repo.toString(), "string_identity", "--input", "INPUT0=@" + repo.resolve("in.json"),
                "--output", "UPPER", "--json", "-q");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode body = new ObjectMapper().readTree(r.out());
        assertEquals("string_identity", body.get("model_name").asText());
        assertEquals("1", body.get("model_version").asText());
        assertEquals(1, body.get("outputs").size());
        JsonNode out = body.get("outputs").get(0);
        assertEquals("UPPER", out.get("name").asText());
        assertEquals("BYTES", out.get("datatype").asText());
        assertEquals("[2]", out.get("shape").toString());
        assertEquals("[\"A\",\"BC\"]", out.get("data").toString());
    }

    @Test
    void aModelErrorExitsOneWithTritonsWording(@TempDir Path repo) {
        Models.copy(repo, "wrong_model");
        Tpb r = Tpb.run("infer", repo.toString(), "wrong_model", "--input", "IN=[1]", "-q");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("tpb: error: [500] Failed to process the request(s) for model 'wrong_model_0_0', "
                + "message: NameError: name 'undefined_variable' is not defined"), r::toString);
    }

    @Test
    void aModelThatFailsToLoadExitsOneWithTheReason(@TempDir Path repo) {
        Models.copy(repo, "init_error");
        Tpb r = Tpb.run("infer", repo.toString(), "init_error", "--input", "IN=[1]", "-q");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("failed to load model 'init_error'"), r::toString);
        assertTrue(r.err().contains("name 'lorem_ipsum' is not defined"), r::toString);
    }

    @Test
    void unknownInputIsAUsageError(@TempDir Path repo) {
        Models.copy(repo, "add_sub");
        Tpb r = Tpb.run("infer", repo.toString(), "add_sub", "--input", "NOPE=[1]", "-q");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("--input NOPE: model 'add_sub' has no input named 'NOPE' (inputs: INPUT0, INPUT1)"),
                r::toString);
    }

    @Test
    void valuesMustFillTheShape(@TempDir Path repo) {
        Models.copy(repo, "add_sub");
        Tpb r = Tpb.run("infer", repo.toString(), "add_sub", "--input", "INPUT0=[1,2,3]", "--input",
                "INPUT1=[1,2,3,4]", "--shape", "INPUT0=4", "-q");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("--input INPUT0: Unable to parse 'data': Shape does not match true shape of 'data' "
                + "field"), r::toString);
    }

    @Test
    void repeatPrintsLatencyPercentiles(@TempDir Path repo) {
        Models.copy(repo, "add_sub");
        Tpb r = Tpb.run("infer", repo.toString(), "add_sub", "--input", "INPUT0=[1,2,3,4]", "--input",
                "INPUT1=[4,3,2,1]", "--repeat", "50", "-q");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("latency over 50 requests: p50 "), r::toString);
    }

    @Test
    void missingRepositoryIsAClearError(@TempDir Path dir) {
        Tpb r = Tpb.run("infer", dir.resolve("nope").toString(), "m", "--input", "X=[1]", "-q");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("model repository " + dir.resolve("nope") + " is not a directory"), r::toString);
    }
}
