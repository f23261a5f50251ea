package dev.tpb.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmark (not a test; run by scripts/bench-config): parse + print of a generated 10,000-line config against a
 * baseline in the same JVM: a single java.util.regex tokenizer that splits the same text into the same kinds of
 * tokens (whitespace, comments, strings, identifiers, numbers, symbols) and concatenates them again, with no tree, no
 * escape or number checks. That is the cost floor of any lossless reader of this format.
 */
public final class ConfigBench {
    private static final Pattern TOKEN = Pattern.compile(
            "[ \\t\\r\\f]+|\\n|#[^\\n]*|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*'|[A-Za-z_][A-Za-z0-9_]*"
                    + "|[0-9.][0-9A-Za-z_.+-]*|.");

    private ConfigBench() {
    }

    public static void main(String[] args) {
        int lines = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        String text = generate(lines);
        ConfigDocument check = ConfigDocument.parse(text, "bench");
        if (!check.print().equals(text) || !regex(text).equals(text)) {
            throw new IllegalStateException("round trip failed");
        }
        if (ConfigValidator.validate(check).stream().anyMatch(ConfigProblem::isError)) {
            throw new IllegalStateException("generated config is invalid: " + ConfigValidator.validate(check));
        }
        long lineCount = text.chars().filter(c -> c == '\n').count();
        double baseline = median(() -> regex(text), runs);
        double parsePrint = median(() -> ConfigDocument.parse(text, "bench").print(), runs);
        double validate = median(() -> ConfigValidator.validate(ConfigDocument.parse(text, "bench")), runs);
        double json = median(() -> ModelConfigJson.of(ConfigDocument.parse(text, "bench")), runs);
        double edit = median(() -> ConfigEditor.setParameter(ConfigDocument.parse(text, "bench"), "EXECUTION_ENV_PATH",
                "$$TRITON_MODEL_DIRECTORY/env").print(), runs);
        System.out.printf(Locale.ROOT, "%d lines, %d bytes; median of %d runs after warm-up, %s %s%n%n", lineCount,
                text.length(), runs, System.getProperty("java.vm.name"), System.getProperty("java.version"));
        System.out.println("| what | median ms | vs baseline |");
        System.out.println("|---|---|---|");
        row("baseline: regex tokenizer + concatenation (no tree, no checks)", baseline, baseline);
        row("tpb: parse + print (lossless tree)", parsePrint, baseline);
        row("tpb: parse + validate against model_config.proto", validate, baseline);
        row("tpb: parse + validate + Triton JSON view", json, baseline);
        row("tpb: parse + set EXECUTION_ENV_PATH + print (re-parses the result)", edit, baseline);
    }

    private static void row(String what, double ms, double baseline) {
        System.out.printf(Locale.ROOT, "| %s | %.2f | %.2fx |%n", what, ms, ms / baseline);
    }

    private static String regex(String text) {
        StringBuilder out = new StringBuilder(text.length());
        Matcher m = TOKEN.matcher(text);
        List<String> tokens = new ArrayList<>();
        while (m.find()) {
            tokens.add(m.group());
        }
        for (String token : tokens) {
            out.append(token);
        }
        return out.toString();
    }

    private static double median(Supplier<?> work, int runs) {
        for (int i = 0; i < Math.max(30, runs); i++) { // warm-up
            work.get();
        }
        double[] times = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            work.get();
            times[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(times);
        return runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
    }

    /** A config of real-looking fields, comments and every syntax form, about {@code lines} lines long. */
    static String generate(int lines) {
        StringBuilder out = new StringBuilder();
        out.append("# generated for scripts/bench-config\nname: \"bench\"\nbackend: \"python\"\nmax_batch_size: 8\n");
        out.append("dynamic_batching { preferred_batch_size: [ 2, 4 ] max_queue_delay_microseconds: 100 }\n");
        int count = 5;
        int i = 0;
        while (count < lines - 1) {
            count += 11;
            out.append("# input ").append(i).append('\n');
            out.append("input [\n  {\n    name: \"INPUT").append(i).append("\"\n    data_type: TYPE_FP32\n");
            out.append("    dims: [ -1, 3, 0x10 ]  # variable batch\n    optional: ").append(i % 2 == 0)
                    .append("\n  }\n]\n");
            out.append("output { name: 'OUTPUT").append(i).append("', data_type: TYPE_INT64; dims: 1 }\n");
            out.append("parameters: {key: \"p").append(i).append("\", value: {string_value: \"v\\t\" \"")
                    .append(i).append("\"}}\n");
            i++;
        }
        out.append("instance_group [ { count: 2 kind: KIND_CPU } ]\n");
        return out.toString();
    }
}
