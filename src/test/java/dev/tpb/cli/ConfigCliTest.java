package dev.tpb.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.config.ConfigDocument;
import dev.tpb.config.ModelConfigJson;
import dev.tpb.testing.Tpb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tpb config} through the command line, on real files. */
class ConfigCliTest {
    private static final String CONFIG = "# add_sub: two inputs, two outputs\n"
            + "backend: \"python\"\n"
            + "input [ { name: \"INPUT0\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
            + "output [ { name: \"OUTPUT0\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
            + "instance_group [ { kind: KIND_CPU } ]  # one CPU instance\n";

    @TempDir
    Path repo;
    Path model;
    Path config;

    @BeforeEach
    void model() throws IOException {
        model = Files.createDirectories(repo.resolve("add_sub"));
        config = model.resolve("config.pbtxt");
        Files.writeString(config, CONFIG);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
    }

    private String read() throws IOException {
        return Files.readString(config);
    }

    @Test
    void setEnvWritesTheModelDirectoryTokenAndKeepsTheMode() throws IOException {
        Files.createDirectories(model.resolve("env/bin"));
        Files.writeString(model.resolve("env/bin/activate"), "");
        Tpb r = Tpb.run("config", "set-env", model.toString(), model.resolve("env").toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("", r.out());
        assertEquals(config + ": set EXECUTION_ENV_PATH to \"$$TRITON_MODEL_DIRECTORY/env\"\n", r.err());
        assertEquals(CONFIG + "parameters {\n  key: \"EXECUTION_ENV_PATH\"\n  value {\n"
                + "    string_value: \"$$TRITON_MODEL_DIRECTORY/env\"\n  }\n}\n", read());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
        // Again: updated in place, never duplicated; nothing to change.
        Tpb again = Tpb.run("config", "set-env", config.toString(), model.resolve("env").toString());
        assertEquals(0, again.exitCode(), again::toString);
        assertTrue(again.err().contains("nothing to change"), again::toString);
        assertEquals(1, read().split("EXECUTION_ENV_PATH", -1).length - 1);
    }

    @Test
    void dryRunPrintsAUnifiedDiffAndChangesNothing() throws IOException {
        Tpb r = Tpb.run("config", "set-backend", model.toString(), "python_3_10", "--dry-run");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("--- " + config + "\n+++ " + config + "\n"
                + "@@ -1,5 +1,5 @@\n"
                + " # add_sub: two inputs, two outputs\n"
                + "-backend: \"python\"\n"
                + "+backend: \"python_3_10\"\n"
                + " input [ { name: \"INPUT0\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + " output [ { name: \"OUTPUT0\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + " instance_group [ { kind: KIND_CPU } ]  # one CPU instance\n", r.out());
        assertEquals(CONFIG, read());
    }

    @Test
    void checkFailsWhenTheFileWouldChangeAndPassesOnceItIsDone() throws IOException {
        Tpb would = Tpb.run("config", "set", model.toString(), "max_batch_size", "8", "--check");
        assertEquals(1, would.exitCode(), would::toString);
        assertEquals("tpb: error: " + config + " would change (set max_batch_size); see the change with --dry-run\n",
                would.err());
        assertEquals(CONFIG, read());
        assertEquals(0, Tpb.run("config", "set", model.toString(), "max_batch_size", "8").exitCode());
        assertEquals(CONFIG.replace("backend: \"python\"\n", "backend: \"python\"\nmax_batch_size: 8\n"), read());
        Tpb done = Tpb.run("config", "set", model.toString(), "max_batch_size", "8", "--check");
        assertEquals(0, done.exitCode(), done::toString);
    }

    @Test
    void aSyntaxErrorNamesLineAndColumnAndLeavesTheFileUntouched() throws IOException {
        String broken = "backend: \"python\"\nparameters: { key: \"EXECUTION_ENV_PATH\" value: /mnt/env.tar.gz }\n";
        Files.writeString(config, broken);
        FileTime before = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(config, before);
        Tpb r = Tpb.run("config", "set-env", model.toString(), model.resolve("env.tar.gz").toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().endsWith("tpb: error: " + config + ":2:48: Expected \"{\", found \"/\".\n"
                + "parameters: { key: \"EXECUTION_ENV_PATH\" value: /mnt/env.tar.gz }\n"
                + "                                               ^\n"), r::toString);
        assertTrue(r.err().startsWith("tpb: error: "), "no warnings before the error: " + r.err());
        assertArrayEquals(broken.getBytes(), Files.readAllBytes(config));
        assertEquals(before, Files.getLastModifiedTime(config));
        try (var files = Files.list(model)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void aMissingConfigSaysWhereItLooked() {
        Tpb r = Tpb.run("config", "show", repo.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("tpb: error: no config.pbtxt in " + repo + ": looked for " + repo.resolve("config.pbtxt") + "\n",
                r.err());
    }

    @Test
    void setEnvWarnsAboutWhatTritonCannotUse() throws IOException {
        Path outside = Files.createDirectories(repo.resolve("envs"));
        Tpb r = Tpb.run("config", "set-env", model.toString(), outside.resolve("py310.tar.zst").toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("tpb: warning: " + outside.resolve("py310.tar.zst") + " is outside the model "
                + "directory " + model), r::toString);
        assertTrue(r.err().contains("Triton reads only gzip-compressed or plain tar archives"), r::toString);
        assertTrue(read().contains("string_value: \"" + outside.resolve("py310.tar.zst") + "\""));
        Tpb dir = Tpb.run("config", "set-env", model.toString(), outside.toString());
        assertTrue(dir.err().contains("is a directory without bin/activate"), dir::toString);
    }

    @Test
    void setAndUnsetAnyField() throws IOException {
        assertEquals(0, Tpb.run("config", "set", model.toString(), "instance_group[0].count", "2").exitCode());
        assertEquals(0, Tpb.run("config", "set", model.toString(), "parameters[FORCE_CPU_ONLY_INPUT_TENSORS]", "no")
                .exitCode());
        assertEquals(0, Tpb.run("config", "unset", model.toString(), "input[INPUT0]").exitCode());
        assertEquals("# add_sub: two inputs, two outputs\n"
                + "backend: \"python\"\n"
                + "output [ { name: \"OUTPUT0\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + "instance_group [ { kind: KIND_CPU count: 2 } ]  # one CPU instance\n"
                + "parameters {\n  key: \"FORCE_CPU_ONLY_INPUT_TENSORS\"\n  value {\n    string_value: \"no\"\n  }\n}\n",
                read());
        Tpb absent = Tpb.run("config", "unset", model.toString(), "dynamic_batching");
        assertEquals(0, absent.exitCode(), absent::toString);
        assertEquals(config + ": dynamic_batching is not set; nothing to change\n", absent.err());
    }

    @Test
    void badArgumentsAreUsageErrorsAndBadValuesFailures() throws IOException {
        assertEquals(2, Tpb.run("config").exitCode());
        assertEquals(2, Tpb.run("config", "set", model.toString(), "backend").exitCode());
        Tpb unknown = Tpb.run("config", "set", model.toString(), "max_batch_sise", "1");
        assertEquals(2, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("Did you mean \"max_batch_size\"?"), unknown::toString);
        Tpb value = Tpb.run("config", "set", model.toString(), "instance_group[0].kind", "kind_cpu");
        assertEquals(1, value.exitCode(), value::toString);
        assertTrue(value.err().contains("Did you mean \"KIND_CPU\"?"), value::toString);
        assertEquals(2, Tpb.run("config", "set-backend", model.toString(), "python 3").exitCode());
        assertEquals(CONFIG, read());
    }

    @Test
    void writesThroughASymbolicLink() throws IOException {
        Path shared = repo.resolve("shared.pbtxt");
        Files.move(config, shared);
        Files.createSymbolicLink(config, shared);
        assertEquals(0, Tpb.run("config", "set-backend", model.toString(), "python_3_12").exitCode());
        assertTrue(Files.isSymbolicLink(config));
        assertTrue(Files.readString(shared).contains("backend: \"python_3_12\""));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)));
    }

    @Test
    void validateListsEveryProblemInARepository() throws IOException {
        Path bad = Files.createDirectories(repo.resolve("bad"));
        Files.writeString(bad.resolve("config.pbtxt"), "name: \"bad\"\nmax_batch_sise: 4\ninstance_group { kind: "
                + "kind_cpu }\n");
        Path broken = Files.createDirectories(repo.resolve("broken"));
        Files.writeString(broken.resolve("config.pbtxt"), "max_batch_size: ${n}\n");
        Files.createDirectories(repo.resolve("no_config"));
        Tpb r = Tpb.run("config", "validate", repo.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals(bad.resolve("config.pbtxt") + ":2:1: error: Message type \"inference.ModelConfig\" has no field "
                + "named \"max_batch_sise\". Did you mean \"max_batch_size\"?\n"
                + "max_batch_sise: 4\n"
                + "^\n"
                + bad.resolve("config.pbtxt") + ":3:24: error: Unknown enumeration value of \"kind_cpu\" for field "
                + "\"kind\". Did you mean \"KIND_CPU\"?\n"
                + "instance_group { kind: kind_cpu }\n"
                + "                       ^\n"
                + broken.resolve("config.pbtxt") + ":1:17: error: Expected integer, got: $ (unfilled template "
                + "placeholder ${n}: fill it in, e.g. with fill_template.py, before Triton reads the file)\n"
                + "max_batch_size: ${n}\n"
                + "                ^\n", r.out());
        assertTrue(r.err().contains("skipping " + repo.resolve("no_config") + ": no config.pbtxt"), r::toString);
        assertTrue(r.err().endsWith("checked 3 configs: 3 errors, 0 warnings\n"), r::toString);
        Tpb clean = Tpb.run("config", "validate", model.toString(), config.toString());
        assertEquals(0, clean.exitCode(), clean::toString);
        assertEquals("", clean.out());
    }

    @Test
    void showPrintsASummaryOrTritonsJson() throws Exception {
        Tpb summary = Tpb.run("config", "show", model.toString());
        assertEquals(0, summary.exitCode(), summary::toString);
        assertEquals("config:          " + config + "\n"
                + "name:            (not set: Triton uses the directory name 'add_sub')\n"
                + "backend:         python\n"
                + "max_batch_size:  0\n"
                + "input:           INPUT0 TYPE_FP32 [4]\n"
                + "output:          OUTPUT0 TYPE_FP32 [4]\n"
                + "instance_group:  KIND_CPU\n", summary.out());
        Tpb json = Tpb.run("config", "show", config.toString(), "--json");
        assertEquals(0, json.exitCode(), json::toString);
        assertEquals(ModelConfigJson.of(ConfigDocument.parse(config)), new ObjectMapper().readTree(json.out()));
        Tpb yaml = Tpb.run("config", "show", config.toString(), "--yaml");
        assertTrue(yaml.out().startsWith("name: \"\"\nplatform: \"\"\nbackend: \"python\"\n"), yaml::toString);
        assertEquals(2, Tpb.run("config", "show", config.toString(), "--json", "--yaml").exitCode());
    }
}
