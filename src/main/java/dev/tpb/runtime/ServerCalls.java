package dev.tpb.runtime;

import dev.tpb.ipc.StubConnection;

/**
 * What a stub may ask of the server it runs in: BLS requests to any model it serves and model control
 * (pb_utils.load_model and friends). The calls return at once; the answers go to the stub when they are ready.
 */
interface ServerCalls {
    /** A BLS request of {@code caller}'s stub; call {@link ModelInstance#blsDone()} once it is answered in full. */
    void infer(ModelInstance caller, StubConnection connection, StubConnection.Infer call);

    void cancelInfer(ModelInstance caller, long callId);

    /** A model-control call, answered with {@link StubConnection#sendCallResult}. */
    void control(StubConnection connection, StubConnection.Call call);
}
