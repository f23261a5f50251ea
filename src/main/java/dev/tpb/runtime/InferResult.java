package dev.tpb.runtime;

import java.util.List;
import java.util.Optional;

/**
 * The answer to one request: outputs or an error. Outputs larger than 64 KiB are views of the stub's shared
 * memory: close the result once they have been written out, as the model instance cannot run its next batch before
 * then (smaller outputs are copies, and closing costs nothing).
 */
public final class InferResult implements AutoCloseable {
    private final String modelName;
    private final long modelVersion;
    private final String id;
    private final String parametersJson;
    private final List<InferOutput> outputs;
    private final InferError error;
    private final Runnable release;
    private boolean closed;

    public InferResult(String modelName, long modelVersion, String id, String parametersJson,
                       List<InferOutput> outputs, InferError error, Runnable release) {
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.id = id;
        this.parametersJson = parametersJson;
        this.outputs = outputs;
        this.error = error;
        this.release = release;
    }

    public static InferResult failed(String modelName, long modelVersion, String id, InferError error) {
        return new InferResult(modelName, modelVersion, id, "", List.of(), error, () -> { });
    }

    public String modelName() {
        return modelName;
    }

    public long modelVersion() {
        return modelVersion;
    }

    public String id() {
        return id;
    }

    /** The response parameters the model set, as a JSON object string; empty when none. */
    public String parametersJson() {
        return parametersJson;
    }

    public List<InferOutput> outputs() {
        return outputs;
    }

    public Optional<InferError> error() {
        return Optional.ofNullable(error);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            release.run();
        }
    }
}
