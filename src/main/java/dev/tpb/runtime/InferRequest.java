package dev.tpb.runtime;

import java.util.List;

/**
 * A request for one model, already validated against its configuration by the caller.
 *
 * @param id               echoed in the response; may be empty
 * @param correlationId    a Long or a String (sequence id); 0 when not part of a sequence
 * @param flags            TRITONSERVER_REQUEST_FLAG_* (sequence start/end)
 * @param timeoutMicros    0 for none
 * @param parametersJson   what {@code request.parameters()} returns in Python: a JSON object as a string
 * @param requestedOutputs names of the outputs to return; empty for all
 */
public record InferRequest(String id, Object correlationId, long flags, long timeoutMicros, String parametersJson,
                           List<InferInput> inputs, List<String> requestedOutputs) {

    /** The batch size this request contributes: dim 0 of the first input when the model batches, else 1. */
    public long batchSize(boolean modelBatches) {
        if (!modelBatches || inputs.isEmpty() || inputs.get(0).shape().length == 0) {
            return 1;
        }
        return inputs.get(0).shape()[0];
    }
}
