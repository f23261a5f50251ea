package dev.tpb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tpb.TpbException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged configs (fixed seeds, so a failure reproduces): parsing throws nothing but
 * {@link ConfigSyntaxException}; what parses prints back exactly, validates, and takes edits without anything but
 * {@link TpbException}s.
 */
class RandomizedTest {
    private static final int ROUNDS = 1500;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 20260101})
    void mutatedInputsOnlyEverFailWithASyntaxError(long seed) {
        Random random = new Random(seed);
        List<java.nio.file.Path> files = Corpus.files();
        int parsed = 0;
        for (int round = 0; round < ROUNDS; round++) {
            String original = Corpus.text(files.get(random.nextInt(files.size())).getFileName().toString());
            String text = Mutations.mutate(original, random);
            ConfigDocument doc;
            try {
                doc = ConfigDocument.parse(text, "mutated");
            } catch (ConfigSyntaxException e) {
                continue; // the one allowed failure
            } catch (RuntimeException | Error e) {
                throw new AssertionError("seed " + seed + " round " + round + " threw " + e + " for:\n" + text, e);
            }
            parsed++;
            int at = round;
            assertEquals(text, doc.print(), () -> "seed " + seed + " round " + at);
            try {
                List<ConfigProblem> problems = ConfigValidator.validate(doc);
                if (problems.stream().noneMatch(ConfigProblem::isError)) {
                    ModelConfigJson.normalize(ModelConfigJson.of(doc));
                }
                ConfigEditor.setParameter(doc, "EXECUTION_ENV_PATH", "$$TRITON_MODEL_DIRECTORY/env");
                ConfigEditor.set(doc, FieldPath.parse("backend"), "python_3_11");
                ConfigEditor.unset(doc, FieldPath.parse("instance_group[0]"));
                ConfigEditor.set(doc, FieldPath.parse("dynamic_batching.max_queue_delay_microseconds"), "10");
            } catch (TpbException e) {
                // a refused edit (oneof, a value of the wrong kind in the way) is a fine answer
            } catch (RuntimeException | Error e) {
                throw new AssertionError("seed " + seed + " round " + round + " threw " + e + " for:\n" + text, e);
            }
        }
        if (parsed == 0) {
            fail("no mutated input parsed; the test would prove nothing");
        }
    }
}
