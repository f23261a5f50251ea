package dev.tpb.runtime;

import static dev.tpb.testing.Models.output;
import static dev.tpb.testing.Models.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.python.PythonInstall;
import dev.tpb.stub.StubBuilder;
import dev.tpb.testing.Models;
import dev.tpb.testing.Pythons;
import dev.tpb.testing.TestStubs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tensor.to_dlpack / from_dlpack with BF16, without numpy, on every Python. Expectations: python_backend
 * src/pb_tensor.cc (FromDLPack, ToDLPack: zero-copy, C-contiguous only, BYTES refused) and src/pb_stub_utils.cc
 * (BF16 is kDLBfloat with 16 bits; TYPE_BF16 = 14), with their messages.
 */
class DlpackTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<PythonInstall> pythons() {
        List<PythonInstall> all = Pythons.stubCapable();
        return Stream.of(all.get(0), all.get(all.size() - 1));
    }

    @ParameterizedTest(name = "Python {0}")
    @MethodSource("pythons")
    void bf16GoesThroughDlpackBothWays(PythonInstall python, @TempDir Path repo) throws Exception {
        TestStubs.forPython(python);
        Models.copy(repo, "bf16_dlpack");
        Models.useBackend(repo.resolve("bf16_dlpack"), StubBuilder.backendName(python));
        // 1.0, -2.5, 3.0e38 as bfloat16 bit patterns (the upper 16 bits of the float32)
        short[] bits = {0x3f80, (short) 0xc020, 0x7f62};
        ByteBuffer data = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        for (short b : bits) {
            data.putShort(b);
        }
        InferRequest request = Models.request(new InferInput("X", DataType.BF16, new long[] {3}, data.flip()));
        try (ModelManager manager = Models.manager(repo)) {
            LoadedModel model = Models.loadOnly(manager, "bf16_dlpack");
            try (InferResult r = model.submit(request).join()) {
                assertTrue(r.error().isEmpty(), () -> r.error().toString());
                for (String name : List.of("Y", "Z")) {
                    InferOutput o = output(r, name);
                    assertEquals(DataType.BF16, o.datatype());
                    ByteBuffer out = o.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                    for (short b : bits) {
                        assertEquals(b, out.getShort(), name);
                    }
                }
                JsonNode text = JSON.readTree(strings(output(r, "TEXT")).get(0));
                assertEquals(14, text.path("dtype").asInt(), "TYPE_BF16");
                assertEquals("[3]", text.path("shape").toString());
                assertEquals("DLPack does not have support for string tensors.", text.path("bytes").asText());
                assertEquals("Tensor name cannot be an empty string.", text.path("empty_name").asText());
                assertEquals("Provided tensor is not supported. Tensor must be a DLPack capsule or have `__dlpack__` "
                        + "and `__dlpack_device__` attributes", text.path("not_a_tensor").asText());
                assertTrue(text.path("memoryview").asText().startsWith("Tensor dtype is BF16"), text::toString);
                assertEquals("[2]", text.path("fp32_round_trip").toString());
            }
        }
    }
}
