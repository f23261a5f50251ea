package dev.tpb.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.ipc.StubConnection;
import dev.tpb.ipc.Wire;
import dev.tpb.stub.BuiltStub;
import dev.tpb.testing.Models;
import dev.tpb.testing.TestStubs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StubProcessTest {
    @Test
    void addSubRoundTrip(@TempDir Path repo) {
        BuiltStub built = TestStubs.forVersion("3.11");
        Path modelFile = Models.copy(repo, "add_sub").resolve("add_sub/1/model.py");
        StubLaunch launch = new StubLaunch(built.stub(), modelFile, built.backendDir(), "add_sub", "add_sub_0_0",
                "DEFAULT", null, ActivationMode.direct, Allocator.SYSTEM, 1 << 20, 1 << 20, LogSettings.DEFAULT.bits());
        try (StubProcess stub = StubProcess.start(launch, (name, line) -> System.err.println(name + ": " + line))) {
            assertTrue(stub.hello().python().startsWith("3.11."), stub.hello()::toString);
            ObjectNode args = new ObjectMapper().createObjectNode();
            args.put("model_name", "add_sub").put("model_version", "1").put("model_instance_name", "add_sub_0_0");
            stub.initialize(args, false);

            StubConnection c = stub.connection();
            StubConnection.Placement placed = c.placeInputs(List.of(floats(1, 2, 3, 4), floats(10, 20, 30, 40)));
            Wire.Request request = new Wire.Request(1, c.acquireCancelSlot(), "r1", 0L, 0, 0, "{}", List.of(), List.of(
                    new Wire.Tensor("INPUT0", "FP32", new long[] {4}, placed.offsets()[0], 16),
                    new Wire.Tensor("INPUT1", "FP32", new long[] {4}, placed.offsets()[1], 16)));
            long seq = c.sendExecute(List.of(request), placed);
            StubConnection.ExecuteDone done = awaitResult(c);
            assertEquals(seq, done.seq());
            Wire.ExecuteResult result = done.result();
            assertNull(result.error(), result::toString);
            Wire.Response response = result.responses().get(0);
            assertNull(response.error());
            assertEquals("OUTPUT0", response.outputs().get(0).name());
            assertArrayEquals(new float[] {11, 22, 33, 44}, read(c, response.outputs().get(0)));
            assertArrayEquals(new float[] {-9, -18, -27, -36}, read(c, response.outputs().get(1)));
            assertEquals(0, c.launcherBlocks(), "the inputs' block is free once the result is in (nothing pinned)");
            done.leases().get(0).release(); // the response's outputs have been read: give back their memory
            assertNull(stub.stop(5000));
            assertFalse(stub.alive());
            assertFalse(stub.regionExists());
        }
    }

    /** Reads what the stub sends until the EXECUTE_RESULT, as a model instance's loop does. */
    static StubConnection.ExecuteDone awaitResult(StubConnection c) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            StubConnection.Event e = c.poll();
            if (e instanceof StubConnection.ExecuteDone d) {
                return d;
            }
            if (e == null) {
                c.await(100_000_000L, true, () -> false);
            }
        }
        throw new AssertionError("no EXECUTE_RESULT within 30 s");
    }

    private static ByteBuffer floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.flip();
    }

    private static float[] read(StubConnection c, Wire.Tensor t) {
        ByteBuffer b = c.buffer(t.offset(), t.nbytes());
        float[] out = new float[(int) (t.nbytes() / 4)];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat(i * 4);
        }
        return out;
    }
}
