package dev.tpb.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.ipc.StubConnection;
import dev.tpb.ipc.StubGoneException;
import dev.tpb.ipc.Wire;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The server side of what stubs ask: BLS requests routed to the models of the same server (python_backend's
 * request_executor.cc semantics and messages) and model control from Python (model_loader.cc).
 *
 * <p>A BLS request costs two copies of tensor data: its inputs from the caller's shared memory into the target's
 * (placed by the target's instance), its outputs from the target's shared memory into the caller's. Neither goes
 * through the Java heap.
 */
final class StubServices implements ServerCalls {
    /** What Triton's executor puts before an error raised before the request runs. */
    private static String prefix(String model) {
        return "Model " + model + " - Error when running inference: ";
    }

    private record CallKey(ModelInstance caller, long callId) {
    }

    private final ModelManager manager;
    private final Reporter reporter;
    private final Map<CallKey, RequestHandle> calls = new ConcurrentHashMap<>();
    private final ExecutorService control = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tpb-model-control");
        t.setDaemon(true);
        return t;
    });

    StubServices(ModelManager manager, Reporter reporter) {
        this.manager = manager;
        this.reporter = reporter;
    }

    // ---- BLS ------------------------------------------------------------------------------------------------

    @Override
    public void infer(ModelInstance caller, StubConnection connection, StubConnection.Infer event) {
        infer(caller, connection, event, manager.loadsCalledModels());
    }

    private void infer(ModelInstance caller, StubConnection connection, StubConnection.Infer event, boolean mayLoad) {
        Wire.InferCall call = event.call();
        String name = call.model();
        Optional<LoadedModel> found = call.version() < 0 ? manager.model(name) : manager.model(name, call.version());
        if (found.isEmpty() && mayLoad) {
            // tpb infer loaded only the model it calls: load the target (seconds; not on the caller's event loop)
            control.execute(() -> {
                try {
                    manager.loadForCall(name, caller.model().spec().name());
                } catch (RuntimeException e) {
                    reporter.warn("could not load model '" + name + "': " + e.getMessage());
                }
                infer(caller, connection, event, false);
            });
            return;
        }
        if (found.isEmpty() || !found.get().ready()) {
            // Triton asks the server whether the model is ready first, so an unknown model reads the same
            refuse(caller, connection, event, prefix(name) + "Failed for execute the inference request. Model '" + name
                    + "' is not ready.");
            return;
        }
        LoadedModel target = found.get();
        if (target.spec().decoupled() && !call.decoupled()) {
            refuse(caller, connection, event, prefix(name) + "Model " + name + " is using the decoupled. The current "
                    + "BLS request call doesn't support models using the decoupled transaction policy. Please use "
                    + "'decoupled=True' argument to the 'exec' or 'async_exec' calls for decoupled models.'");
            return;
        }
        InferRequest request;
        try {
            request = request(connection, call, target.spec());
        } catch (TpbException e) {
            refuse(caller, connection, event, prefix(name) + e.getMessage());
            return;
        }
        CallKey key = new CallKey(caller, event.callId());
        BlsSink sink = new BlsSink(caller, connection, event, call.decoupled(), () -> calls.remove(key));
        RequestHandle handle = target.submit(request, sink, event.inputs()::release);
        if (!sink.completed()) {
            calls.put(key, handle);
            if (sink.completed()) {
                calls.remove(key);
            }
        }
    }

    /** The target request, its inputs views of the caller's shared memory, checked as Triton's core checks them. */
    private static InferRequest request(StubConnection connection, Wire.InferCall call, ModelSpec spec) {
        Wire.Request r = call.request();
        List<InferInput> inputs = new ArrayList<>();
        for (Wire.Tensor t : r.inputs()) {
            DataType type = DataType.parse(t.datatype()).orElseThrow(() -> new InvalidRequestException(
                    "inference input '" + t.name() + "' has an unknown data-type '" + t.datatype() + "'"));
            TensorSpec config = spec.input(t.name()).orElseThrow(() -> new InvalidRequestException(
                    "unexpected inference input '" + t.name() + "' for model '" + spec.name() + "'"));
            if (type != config.datatype()) {
                throw new InvalidRequestException("inference input '" + t.name() + "' data-type is '" + type
                        + "', but model '" + spec.name() + "' expects '" + config.datatype() + "'");
            }
            ByteBuffer data = connection.buffer(t.offset(), t.nbytes()).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
            inputs.add(new InferInput(t.name(), type, t.shape(), data));
        }
        RequestValidator.validate(spec, inputs);
        for (String output : r.requestedOutputs()) {
            if (spec.output(output).isEmpty()) {
                throw new InvalidRequestException("unexpected inference output '" + output + "' for model '"
                        + spec.name() + "'");
            }
        }
        return new InferRequest(r.id(), r.correlationId(), r.flags(), r.timeoutMicros(), r.parametersJson(), inputs,
                r.requestedOutputs());
    }

    private void refuse(ModelInstance caller, StubConnection connection, StubConnection.Infer event, String message) {
        event.inputs().release();
        try {
            connection.sendInferResponse(event.callId(), true, new Wire.Error(message, ErrorCode.INTERNAL.name()), "",
                    null, null, null, List.of());
        } catch (StubGoneException ignored) {
            // the caller is gone
        } finally {
            caller.blsDone();
        }
    }

    @Override
    public void cancelInfer(ModelInstance caller, long callId) {
        RequestHandle h = calls.get(new CallKey(caller, callId));
        if (h != null) {
            h.cancel();
        }
    }

    /** Sends the target's responses to the calling stub, copied into its shared memory. */
    private static final class BlsSink implements ResponseSink {
        private final ModelInstance caller;
        private final StubConnection connection;
        private final StubConnection.Infer event;
        private final boolean decoupled;
        private final Runnable forget;
        private volatile boolean completed;

        BlsSink(ModelInstance caller, StubConnection connection, StubConnection.Infer event, boolean decoupled,
                Runnable forget) {
            this.caller = caller;
            this.connection = connection;
            this.event = event;
            this.decoupled = decoupled;
            this.forget = forget;
        }

        boolean completed() {
            return completed;
        }

        @Override
        public void onResponse(InferResult result, boolean last) {
            if (completed) {
                if (result != null) {
                    result.close();
                }
                return;
            }
            // exec(decoupled=False) returns one response: the first one (a non-decoupled target sends only one)
            boolean end = last || !decoupled;
            try {
                if (result == null) {
                    if (end) {
                        connection.sendInferResponse(event.callId(), true, null, null, null, null, null, null);
                    }
                } else if (result.error().isPresent()) {
                    InferError e = result.error().get();
                    connection.sendInferResponse(event.callId(), end, new Wire.Error(e.message(), e.code().name()), "",
                            null, null, null, List.of());
                } else {
                    List<String> names = new ArrayList<>();
                    List<String> types = new ArrayList<>();
                    List<long[]> shapes = new ArrayList<>();
                    List<ByteBuffer> datas = new ArrayList<>();
                    for (InferOutput o : result.outputs()) {
                        names.add(o.name());
                        types.add(o.datatype().name());
                        shapes.add(o.shape());
                        datas.add(o.data());
                    }
                    String parameters = result.parametersJson().isEmpty() ? "{}" : result.parametersJson();
                    connection.sendInferResponse(event.callId(), end, null, parameters, names, types, shapes, datas);
                }
            } catch (StubGoneException ignored) {
                end = true; // the caller is gone: nothing to answer any more
            } catch (TpbException e) {
                // e.g. the caller's shared memory cannot grow: the caller gets the error instead
                try {
                    connection.sendInferResponse(event.callId(), true, new Wire.Error(e.getMessage(), "INTERNAL"), "",
                            null, null, null, List.of());
                } catch (RuntimeException ignored) {
                    // the caller is gone
                }
                end = true;
            } finally {
                if (result != null) {
                    result.close();
                }
            }
            if (end) {
                completed = true;
                event.inputs().release();
                caller.blsDone();
                forget.run();
            }
        }
    }

    // ---- model control --------------------------------------------------------------------------------------

    @Override
    public void control(StubConnection connection, StubConnection.Call call) {
        // On a thread of its own: a load takes seconds, and the stub's instance must keep serving meanwhile.
        control.execute(() -> {
            String error = null;
            JsonNode value = null;
            try {
                value = run(call.body());
            } catch (TpbException e) {
                error = e.getMessage();
            } catch (RuntimeException e) {
                error = e.toString();
                reporter.warn("model control call failed: " + e);
            }
            try {
                connection.sendCallResult(call.callId(), error, value);
            } catch (StubGoneException ignored) {
                // the caller is gone
            }
        });
    }

    private JsonNode run(JsonNode body) {
        String op = body.path("op").asText("");
        String name = body.path("name").asText("");
        switch (op) {
            case "is_model_ready" -> {
                long version = versionOf(body.path("version").asText(""));
                Optional<LoadedModel> m = version < 0 ? manager.model(name) : manager.model(name, version);
                return BooleanNode.valueOf(m.isPresent() && m.get().ready());
            }
            case "load_model" -> {
                String config = body.path("config").asText("");
                Map<String, byte[]> files = new LinkedHashMap<>();
                JsonNode f = body.get("files");
                if (f != null && f.isObject()) {
                    f.fields().forEachRemaining(e -> files.put(e.getKey(), Base64.getDecoder().decode(e.getValue().asText())));
                }
                manager.loadFromApi(name, config, f != null && f.isObject() ? files : null);
                return BooleanNode.TRUE;
            }
            case "unload_model" -> {
                manager.unloadFromApi(name);
                return BooleanNode.TRUE;
            }
            default -> throw new TpbException("Unknown model loader request kind '" + op + "'");
        }
    }

    /** Triton's GetModelVersionFromString: "" is the latest version. */
    private static long versionOf(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        long v;
        try {
            v = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new TpbException("failed to get model version from specified version string '" + text
                    + "' (details: stol), version should be an integral value > 0");
        }
        if (v < 0) {
            throw new TpbException("failed to get model version from specified version string '" + text
                    + "', version should be an integral value > 0");
        }
        return v;
    }

    void close() {
        control.shutdownNow();
    }
}
