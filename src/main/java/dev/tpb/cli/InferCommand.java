package dev.tpb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.TpbException;
import dev.tpb.UsageException;
import dev.tpb.runtime.DataType;
import dev.tpb.runtime.InferError;
import dev.tpb.runtime.InferInput;
import dev.tpb.runtime.InferOutput;
import dev.tpb.runtime.InferRequest;
import dev.tpb.runtime.InferResult;
import dev.tpb.runtime.InvalidRequestException;
import dev.tpb.runtime.LoadedModel;
import dev.tpb.runtime.LogSettings;
import dev.tpb.runtime.ModelManager;
import dev.tpb.runtime.ModelSpec;
import dev.tpb.runtime.ModelState;
import dev.tpb.runtime.ModelStatus;
import dev.tpb.runtime.RequestValidator;
import dev.tpb.runtime.TensorJson;
import dev.tpb.runtime.TensorSpec;
import dev.tpb.server.KServeClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "infer", description = "Load one model of a repository, send it a request, print the outputs and exit; "
        + "or, with --url, send the request to a running server (tpb run, Triton).",
        customSynopsis = {"tpb infer [OPTIONS] MODEL_REPOSITORY MODEL --input NAME=JSON...",
            "       tpb infer [OPTIONS] --url URL MODEL --input NAME=JSON..."},
        footerHeading = "%nExamples:%n",
        footer = {"  tpb infer models add_sub --input INPUT0=[1,2,3,4] --input INPUT1=[4,3,2,1]",
            "  tpb infer --url http://127.0.0.1:8000 add_sub --input INPUT0=[1,2,3,4] --input INPUT1=[4,3,2,1]",
            "  tpb infer models text --input TEXT='[\"hello\"]' --json",
            "  tpb infer models add_sub --input INPUT0=@in0.json --input INPUT1=@in1.json --repeat 1000"},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the model answered", "1:the model answered with an error, or it failed to load", "2:usage error"})
final class InferCommand extends TpbSubcommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "MODEL_REPOSITORY", description = "The model repository directory "
            + "(with --url: the model).")
    String first;

    @Parameters(index = "1", arity = "0..1", paramLabel = "MODEL", description = "The model to load and call; models it calls "
            + "through BLS are loaded when it first calls them.")
    String second;

    @Option(names = "--url", paramLabel = "URL", description = "Send the request to the KServe v2 server at URL "
            + "(http://HOST:PORT) instead of loading the model here; tensors travel in the binary extension.")
    String url;

    @Option(names = "--gzip", description = "With --url: gzip the request and ask for a gzip response.")
    boolean gzip;

    private Path repository;
    private String model;

    @Option(names = "--input", paramLabel = "NAME=JSON", required = true,
            description = "An input as JSON (nested arrays give the shape; strings for BYTES); NAME=@FILE reads the JSON "
                    + "from a file. Repeatable.")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--datatype", paramLabel = "NAME=TYPE", description = "Datatype of an input, e.g. INPUT0=FP16 "
            + "(default: from config.pbtxt).")
    List<String> datatypes = new ArrayList<>();

    @Option(names = "--shape", paramLabel = "NAME=D1,D2", description = "Shape of an input (default: the JSON's "
            + "nesting, with a batch dimension of 1 added when the model batches).")
    List<String> shapes = new ArrayList<>();

    @Option(names = "--output", paramLabel = "NAME", description = "Only these outputs (repeatable; default: all).")
    List<String> outputs = new ArrayList<>();

    @Option(names = "--json", description = "Print a KServe v2 response body.")
    boolean json;

    @Option(names = "--repeat", paramLabel = "N", description = "Send the request N times and print latency "
            + "percentiles (default: 1).")
    int repeat = 1;

    @Mixin
    RuntimeMixin runtime;

    @Override
    protected int run() throws Exception {
        if (repeat < 1) {
            throw new UsageException("--repeat must be at least 1");
        }
        Console console = console();
        if (url != null) {
            if (second != null) {
                throw new UsageException("with --url give only MODEL (the server has the repository), not '" + first
                        + "' and '" + second + "'");
            }
            model = first;
            return remote(console, new KServeClient(url, gzip));
        }
        if (gzip) {
            throw new UsageException("--gzip needs --url");
        }
        if (second == null) {
            throw new UsageException("missing MODEL: tpb infer MODEL_REPOSITORY MODEL --input NAME=JSON (or --url URL "
                    + "MODEL)");
        }
        repository = Path.of(first);
        model = second;
        try (ModelManager manager = new ModelManager(repository, runtime.options().withLoadCalledModels(true), console,
                (stub, line) -> stubLine(console, stub, line))) {
            // pb_utils.Logger.log_verbose lines with --verbose, as tritonserver shows them with --log-verbose 1
            manager.logSettings(LogSettings.DEFAULT.withVerbose(console.verbose() ? 1 : 0));
            ModelStatus status = manager.loadAll(List.of(model)).get(0);
            if (status.state() != ModelState.READY) {
                throw new TpbException("failed to load model '" + model + "': " + status.reason());
            }
            LoadedModel loaded = manager.model(model).orElseThrow();
            InferRequest request = request(loaded.spec());
            if (loaded.spec().decoupled()) {
                return stream(console, loaded, request);
            }
            long[] nanos = new long[repeat];
            InferResult result = null;
            for (int i = 0; i < repeat; i++) {
                if (result != null) {
                    result.close();
                }
                long start = System.nanoTime();
                result = loaded.submit(request).join();
                nanos[i] = System.nanoTime() - start;
                if (result.error().isPresent()) {
                    break;
                }
            }
            try (InferResult last = result) {
                if (last.error().isPresent()) {
                    InferError e = last.error().get();
                    console.error("[" + e.code().httpStatus() + "] " + e.message());
                    return Main.FAILURE;
                }
                print(console, last);
            }
            printLatency(console, nanos);
            return Main.OK;
        }
    }

    /**
     * A decoupled model: every response is printed as it comes (in --json mode one response body per line), the
     * request is complete with the model's final flag. Exit status 1 when any response is an error.
     */
    private int stream(Console console, LoadedModel loaded, InferRequest request) throws IOException {
        int status = Main.OK;
        long[] nanos = new long[repeat];
        for (int i = 0; i < repeat; i++) {
            java.util.concurrent.LinkedBlockingQueue<java.util.Optional<InferResult>> responses =
                    new java.util.concurrent.LinkedBlockingQueue<>();
            long start = System.nanoTime();
            loaded.submit(request, (result, last) -> {
                if (result != null) {
                    responses.add(java.util.Optional.of(result));
                }
                if (last) {
                    responses.add(java.util.Optional.empty());
                }
            }, null);
            int count = 0;
            try {
                for (java.util.Optional<InferResult> next; (next = responses.take()).isPresent(); ) {
                    try (InferResult r = next.get()) {
                        count++;
                        if (r.error().isPresent()) {
                            InferError e = r.error().get();
                            console.error("[" + e.code().httpStatus() + "] " + e.message());
                            status = Main.FAILURE;
                        } else if (i == repeat - 1) {
                            print(console, r);
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.FAILURE;
            }
            nanos[i] = System.nanoTime() - start;
            if (i == repeat - 1 && !json) {
                console.info(count + " response" + (count == 1 ? "" : "s") + " (decoupled model)");
            }
        }
        printLatency(console, nanos);
        return status;
    }

    /** --url: the same request and output as the local mode, through a running server. */
    private int remote(Console console, KServeClient client) throws IOException {
        InferRequest request = request(client.config(model));
        long[] nanos = new long[repeat];
        InferResult result = null;
        for (int i = 0; i < repeat; i++) {
            long start = System.nanoTime();
            result = client.infer(model, "", request);
            nanos[i] = System.nanoTime() - start;
            if (result.error().isPresent()) {
                break;
            }
        }
        if (result.error().isPresent()) {
            InferError e = result.error().get();
            console.error("[" + e.code().httpStatus() + "] " + e.message());
            return Main.FAILURE;
        }
        print(console, result);
        printLatency(console, nanos);
        return Main.OK;
    }

    private void printLatency(Console console, long[] nanos) {
        if (repeat > 1) {
            Arrays.sort(nanos);
            String line = String.format("latency over %d requests: p50 %s, p90 %s, p99 %s, max %s", repeat,
                    micros(nanos, 0.50), micros(nanos, 0.90), micros(nanos, 0.99), micros(nanos, 1.0));
            (json ? console.err() : console.out()).println(line);
        }
    }

    private static void stubLine(Console console, String stub, String line) {
        if (!console.quiet()) {
            synchronized (console) {
                console.err().println("[" + stub + "] " + line);
                console.err().flush();
            }
        }
    }

    private static String micros(long[] sorted, double q) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return String.format("%.1f µs", sorted[Math.max(0, i)] / 1000.0);
    }

    private InferRequest request(ModelSpec spec) {
        Map<String, String> types = pairs(datatypes, "--datatype");
        Map<String, String> shapeArgs = pairs(shapes, "--shape");
        List<InferInput> list = new ArrayList<>();
        for (Map.Entry<String, String> e : pairs(inputs, "--input").entrySet()) {
            String name = e.getKey();
            TensorSpec declared = spec.input(name).orElseThrow(() -> new UsageException("--input " + name
                    + ": model '" + spec.name() + "' has no input named '" + name + "' (inputs: "
                    + String.join(", ", spec.inputs().stream().map(TensorSpec::name).toList()) + ")"));
            JsonNode value = parseValue(name, e.getValue());
            DataType type = types.containsKey(name)
                    ? DataType.parse(types.get(name)).orElseThrow(() -> new UsageException("--datatype " + name + "="
                            + types.get(name) + ": unknown datatype (BOOL, UINT8..UINT64, INT8..INT64, FP16, FP32, "
                            + "FP64, BYTES, BF16)"))
                    : declared.datatype();
            long[] shape = shapeArgs.containsKey(name) ? parseShape(name, shapeArgs.get(name)) : TensorJson.shapeOf(value);
            if (!shapeArgs.containsKey(name) && spec.batches() && shape.length == declared.dims().length) {
                long[] batched = new long[shape.length + 1];
                batched[0] = 1;
                System.arraycopy(shape, 0, batched, 1, shape.length);
                shape = batched;
            }
            JsonNode array = value.isArray() ? value : JSON.createArrayNode().add(value);
            try {
                list.add(new InferInput(name, type, shape, TensorJson.read(name, array, type,
                        TensorJson.elementCount(shape), Integer.MAX_VALUE)));
            } catch (InvalidRequestException bad) {
                throw new UsageException("--input " + name + ": " + bad.getMessage());
            }
        }
        for (String name : types.keySet()) {
            if (list.stream().noneMatch(i -> i.name().equals(name))) {
                throw new UsageException("--datatype " + name + ": there is no --input " + name);
            }
        }
        try {
            RequestValidator.validate(spec, list); // what the server checks, with the same words
        } catch (InvalidRequestException e) {
            throw new UsageException(e.getMessage());
        }
        for (String name : outputs) {
            if (spec.output(name).isEmpty()) {
                throw new UsageException("--output " + name + ": model '" + spec.name() + "' has no output named '"
                        + name + "'");
            }
        }
        return new InferRequest("", 0L, 0, 0, "{}", list, List.copyOf(outputs));
    }

    private static JsonNode parseValue(String name, String text) {
        String source = "--input " + name;
        try {
            if (text.startsWith("@")) {
                Path file = Path.of(text.substring(1));
                source = file.toString();
                return JSON.readTree(Files.readString(file));
            }
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UsageException(source + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static long[] parseShape(String name, String text) {
        try {
            return Arrays.stream(text.split(",")).map(String::strip).mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("--shape " + name + "=" + text + ": expected comma-separated integers");
        }
    }

    private static Map<String, String> pairs(List<String> items, String option) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new UsageException(option + " " + item + ": expected NAME=VALUE");
            }
            if (map.put(item.substring(0, eq), item.substring(eq + 1)) != null) {
                throw new UsageException(option + " " + item.substring(0, eq) + " is given twice");
            }
        }
        return map;
    }

    private void print(Console console, InferResult result) throws IOException {
        if (json) {
            ObjectNode body = JSON.createObjectNode();
            body.put("model_name", result.modelName());
            body.put("model_version", Long.toString(result.modelVersion()));
            if (!result.parametersJson().isEmpty()) {
                body.set("parameters", JSON.readTree(result.parametersJson()));
            }
            ArrayNode outs = body.putArray("outputs");
            for (InferOutput o : result.outputs()) {
                ObjectNode n = outs.addObject();
                n.put("name", o.name());
                n.put("datatype", o.datatype().name());
                ArrayNode shape = n.putArray("shape");
                for (long d : o.shape()) {
                    shape.add(d);
                }
                n.set("data", TensorJson.toJson(o.name(), o.datatype(), o.data(), o.shape()));
            }
            console.out().println(JSON.writeValueAsString(body));
        } else {
            for (InferOutput o : result.outputs()) {
                JsonNode nested = TensorJson.nest(TensorJson.toJson(o.name(), o.datatype(), o.data(), o.shape()),
                        o.shape());
                console.out().println(o.name() + " " + o.datatype() + " " + Arrays.toString(o.shape()) + ": "
                        + JSON.writeValueAsString(nested));
            }
        }
        console.out().flush();
    }
}
