package dev.tpb.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.runtime.InvalidRequestException;
import dev.tpb.runtime.DataType;
import dev.tpb.runtime.InferInput;
import dev.tpb.runtime.InferRequest;
import dev.tpb.runtime.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Request parsing and validation against a model configuration (Triton's messages), without a server. */
class InferRequestReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX = 1 << 20;

    static ModelSpec spec(String json) {
        try {
            return ModelSpec.of((ObjectNode) JSON.readTree(json.replace('\'', '"')));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static final ModelSpec ADD_SUB = spec("{'name':'add_sub','backend':'python','max_batch_size':0,"
            + "'input':[{'name':'INPUT0','data_type':'TYPE_FP32','dims':[4]},{'name':'INPUT1','data_type':'TYPE_FP32','dims':[4]}],"
            + "'output':[{'name':'OUTPUT0','data_type':'TYPE_FP32','dims':[4]},{'name':'OUTPUT1','data_type':'TYPE_FP32','dims':[4]}]}");
    static final ModelSpec BATCHED = spec("{'name':'b','backend':'python','max_batch_size':8,"
            + "'input':[{'name':'X','data_type':'TYPE_INT32','dims':[-1,2]},{'name':'Y','data_type':'TYPE_INT32','dims':[2]}],"
            + "'output':[{'name':'Z','data_type':'TYPE_INT32','dims':[2]}]}");
    static final ModelSpec TEXT = spec("{'name':'text','backend':'python','max_batch_size':0,"
            + "'input':[{'name':'T','data_type':'TYPE_STRING','dims':[-1]}],"
            + "'output':[{'name':'U','data_type':'TYPE_STRING','dims':[-1]}]}");

    static InferRequestReader.Parsed json(ModelSpec spec, String body) {
        return InferRequestReader.read(ByteBuffer.wrap(body.replace('\'', '"').getBytes(StandardCharsets.UTF_8)), -1,
                spec, MAX);
    }

    static String error(ModelSpec spec, String body) {
        return assertThrows(InvalidRequestException.class, () -> json(spec, body)).getMessage();
    }

    static float[] floats(InferInput in) {
        ByteBuffer b = in.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    /** A body in the binary tensor data extension: the JSON header, then the chunks. */
    record Binary(ByteBuffer body, int headerLength) {
        static Binary of(String header, byte[]... chunks) {
            byte[] h = header.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(h);
            for (byte[] c : chunks) {
                out.writeBytes(c);
            }
            return new Binary(ByteBuffer.wrap(out.toByteArray()), h.length);
        }
    }

    static byte[] le(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    @Test
    void jsonDataNestedOrFlat() {
        InferRequest r = json(ADD_SUB, "{'id':'42','inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[[1.5,2],[3,4]]}]}").request();
        assertEquals("42", r.id());
        assertArrayEquals(new float[] {1, 2, 3, 4}, floats(r.inputs().get(0)));
        assertArrayEquals(new float[] {1.5f, 2, 3, 4}, floats(r.inputs().get(1)));
        assertEquals(List.of(), r.requestedOutputs());
        assertEquals("{}", r.parametersJson());
    }

    @Test
    void binaryInputsAreSlicesOfTheBodyNotCopies() {
        Binary b = Binary.of("{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}}]}",
                le(1, 2, 3, 4), le(5, 6, 7, 8));
        InferRequest r = InferRequestReader.read(b.body(), b.headerLength(), ADD_SUB, MAX).request();
        assertArrayEquals(new float[] {1, 2, 3, 4}, floats(r.inputs().get(0)));
        assertArrayEquals(new float[] {5, 6, 7, 8}, floats(r.inputs().get(1)));
        assertSame(b.body().array(), r.inputs().get(1).data().array(), "the input shares the body's memory");
        assertEquals(b.headerLength() + 16, r.inputs().get(1).data().arrayOffset());
    }

    @Test
    void binaryAndJsonInputsMix() {
        Binary b = Binary.of("{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[9,9,9,9]},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}}]}", le(5, 6, 7, 8));
        InferRequest r = InferRequestReader.read(b.body(), b.headerLength(), ADD_SUB, MAX).request();
        assertArrayEquals(new float[] {9, 9, 9, 9}, floats(r.inputs().get(0)));
        assertArrayEquals(new float[] {5, 6, 7, 8}, floats(r.inputs().get(1)));
    }

    @Test
    void bytesAsJsonStringsBecomeLengthPrefixedElements() {
        InferRequest r = json(TEXT, "{'inputs':[{'name':'T','shape':[2],'datatype':'BYTES','data':['hé','']}]}").request();
        ByteBuffer d = r.inputs().get(0).data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3, d.getInt());
        byte[] first = new byte[3];
        d.get(first);
        assertEquals("hé", new String(first, StandardCharsets.UTF_8));
        assertEquals(0, d.getInt());
        assertFalse(d.hasRemaining());
    }

    @Test
    void requestParametersAreInterpretedOrPassedOn() {
        InferRequest r = json(ADD_SUB, "{'parameters':{'sequence_id':7,'sequence_start':true,'sequence_end':true,'timeout':5000,"
                + "'priority':2,'binary_data_output':true,'greeting':'hi','n':3,'f':1.5,'b':false},"
                + "'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]}").request();
        assertEquals(7L, r.correlationId());
        assertEquals(3, r.flags());
        assertEquals(5000, r.timeoutMicros());
        assertEquals("{\"greeting\":\"hi\",\"n\":3,\"f\":1.5,\"b\":false}", r.parametersJson());
        InferRequest s = json(ADD_SUB, "{'parameters':{'sequence_id':'abc'},"
                + "'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]}").request();
        assertEquals("abc", s.correlationId());
    }

    @Test
    void requestedOutputsAndBinaryFlags() {
        InferRequestReader.Parsed p = json(ADD_SUB, "{'parameters':{'binary_data_output':true},"
                + "'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,2,3,4]}],"
                + "'outputs':[{'name':'OUTPUT1','parameters':{'binary_data':false}}]}");
        assertEquals(List.of("OUTPUT1"), p.request().requestedOutputs());
        assertTrue(p.outputs().includes("OUTPUT1"));
        assertFalse(p.outputs().includes("OUTPUT0"));
        assertFalse(p.outputs().binary("OUTPUT1"));
        InferRequestReader.Parsed all = json(ADD_SUB, "{'parameters':{'binary_data_output':true},"
                + "'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]}");
        assertTrue(all.outputs().includes("OUTPUT0") && all.outputs().binary("OUTPUT0"));
    }

    @Test
    void rawBinaryRequestIsTheOnlyInputWithBatchOne() {
        ModelSpec identity = spec("{'name':'id','backend':'python','max_batch_size':4,"
                + "'input':[{'name':'IN','data_type':'TYPE_FP32','dims':[-1]}],'output':[{'name':'OUT','data_type':'TYPE_FP32','dims':[-1]}]}");
        InferRequestReader.Parsed p = InferRequestReader.read(ByteBuffer.wrap(le(1, 2, 3)), 0, identity, MAX);
        InferInput in = p.request().inputs().get(0);
        assertEquals("IN", in.name());
        assertArrayEquals(new long[] {1, 3}, in.shape());
        assertTrue(p.outputs().binary("OUT"), "a raw request gets binary outputs");
        assertEquals("Raw request must only have 1 input (found 1) to be deduced but got 2 inputs in 'add_sub' model "
                + "configuration", assertThrows(InvalidRequestException.class,
                () -> InferRequestReader.read(ByteBuffer.wrap(le(1)), 0, ADD_SUB, MAX)).getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown input | {'inputs':[{'name':'NOPE','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]} | unexpected inference input 'NOPE' for model 'add_sub'
            missing input | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]} | expected 2 inputs but got 1 inputs for model 'add_sub'. Got inputs ['INPUT0'], but missing required inputs ['INPUT1']. Please provide all required inputs.
            wrong datatype | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'INT32','data':[1,2,3,4]}]} | inference input 'INPUT0' data-type is 'INT32', but model 'add_sub' expects 'FP32'
            unknown datatype | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FLOAT','data':[1,2,3,4]}]} | inference input 'INPUT0' data-type is 'FLOAT', but model 'add_sub' expects 'FP32'
            wrong shape | {'inputs':[{'name':'INPUT0','shape':[2,2],'datatype':'FP32','data':[1,2,3,4]},{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]} | unexpected shape for input 'INPUT0' for model 'add_sub'. Expected [4], got [2,2]. 
            too few values | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3]}]} | Unable to parse 'data': Shape does not match true shape of 'data' field
            too many values | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4,5]}]} | Unable to parse 'data': Shape does not match true shape of 'data' field
            not a number | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,'x',4]}]} | Unable to parse 'data': expected FP32 values for input 'INPUT0', got "x"
            negative shape | {'inputs':[{'name':'INPUT0','shape':[-4],'datatype':'FP32','data':[1,2,3,4]}]} | Unable to parse 'shape' of input 'INPUT0': [-4]
            no data | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32'}]} | Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But no field is set (input 'INPUT0')
            data and binary | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4],'parameters':{'binary_data_size':16}}]} | Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But set 'data' 'binary_data_size' (input 'INPUT0')
            binary without header | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}}]} | must specify valid 'Infer-Header-Content-Length' in request header and 'binary_data_size' when passing inputs in binary data format
            no inputs | {'id':'1'} | Unable to parse 'inputs'
            id not a string | {'id':1,'inputs':[]} | Unable to parse 'id'
            reserved parameter | {'parameters':{'triton_x':1},'inputs':[]} | parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.
            bad sequence_start | {'parameters':{'sequence_start':1},'inputs':[]} | Unable to parse 'sequence_start'
            object parameter | {'parameters':{'p':{}},'inputs':[]} | parameter 'p' has invalid type. It should be either 'int', 'bool', 'double' or 'string'.
            unknown output | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,2,3,4]}],'outputs':[{'name':'NOPE'}]} | unexpected inference output 'NOPE' for model 'add_sub'
            duplicate input | {'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]}]} | input 'INPUT0' already exists in request
            """)
    void badRequestsAreRefusedWithTritonsMessage(String what, String body, String message) {
        assertEquals(message.strip(), error(ADD_SUB, body).strip(), what);
    }

    @Test
    void malformedJsonAndBinaryWithoutTheHeader() {
        assertTrue(error(ADD_SUB, "{'inputs':").startsWith("failed to parse the request JSON buffer: Unexpected end-of-input"));
        Binary b = Binary.of("{'inputs':[]}", le(1));
        assertEquals("failed to parse the request JSON buffer: unexpected data after the JSON object (binary tensor data "
                + "needs the Inference-Header-Content-Length header)", assertThrows(InvalidRequestException.class,
                () -> InferRequestReader.read(b.body(), -1, ADD_SUB, MAX)).getMessage());
    }

    @Test
    void fp16AndBf16AreBinaryOnly() {
        ModelSpec half = spec("{'name':'h','backend':'python','input':[{'name':'H','data_type':'TYPE_FP16','dims':[1]}],"
                + "'output':[{'name':'O','data_type':'TYPE_FP16','dims':[1]}]}");
        assertEquals("receiving FP16 data via JSON is not supported. Please use the binary data format for input H",
                error(half, "{'inputs':[{'name':'H','shape':[1],'datatype':'FP16','data':[1]}]}"));
    }

    @Test
    void batchDimensionChecks() {
        assertEquals("inference request batch-size must be <= 8 for 'b'", error(BATCHED,
                "{'inputs':[{'name':'X','shape':[9,1,2],'datatype':'INT32','data':[" + "1,2,".repeat(8) + "1,2]},"
                        + "{'name':'Y','shape':[9,2],'datatype':'INT32','data':[" + "1,2,".repeat(8) + "1,2]}]}"));
        assertEquals("input 'Y' batch size does not match other inputs for 'b'", error(BATCHED,
                "{'inputs':[{'name':'X','shape':[1,1,2],'datatype':'INT32','data':[1,2]},"
                        + "{'name':'Y','shape':[2,2],'datatype':'INT32','data':[1,2,3,4]}]}"));
        assertEquals("unexpected shape for input 'Y' for model 'b'. Expected [-1,2], got [2]. NOTE: Setting a non-zero "
                + "max_batch_size in the model config requires a batch dimension to be prepended to each input shape. "
                + "If you want to specify the full shape including the batch dim in your input dims config, try setting "
                + "max_batch_size to zero. See the model configuration docs for more info on max_batch_size.",
                error(BATCHED, "{'inputs':[{'name':'X','shape':[2,1,2],'datatype':'INT32','data':[1,2,3,4]},"
                        + "{'name':'Y','shape':[2],'datatype':'INT32','data':[1,2]}]}"));
        InferRequest ok = json(BATCHED, "{'inputs':[{'name':'X','shape':[2,3,2],'datatype':'INT32','data':[1,2,3,4,5,6,1,2,3,4,5,6]},"
                + "{'name':'Y','shape':[2,2],'datatype':'INT32','data':[1,2,3,4]}]}").request();
        assertEquals(2, ok.batchSize(true));
    }

    @Test
    void binarySizesMustMatchShapes() {
        Binary shortChunk = Binary.of("{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}}]}", le(1, 2, 3, 4), le(5));
        assertEquals("unexpected size for input 'INPUT1', expecting 12 additional bytes for model 'add_sub'",
                assertThrows(InvalidRequestException.class, () -> InferRequestReader.read(shortChunk.body(), shortChunk.headerLength(),
                        ADD_SUB, MAX)).getMessage());
        Binary extra = Binary.of("{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}}]}", le(1, 2, 3, 4), le(5, 6, 7, 8, 9));
        assertEquals("unexpected additional input data for model 'add_sub'", assertThrows(InvalidRequestException.class,
                () -> InferRequestReader.read(extra.body(), extra.headerLength(), ADD_SUB, MAX)).getMessage());
        Binary mismatch = Binary.of("{'inputs':[{'name':'INPUT0','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':12}},"
                + "{'name':'INPUT1','shape':[4],'datatype':'FP32','parameters':{'binary_data_size':16}}]}", le(1, 2, 3), le(5, 6, 7, 8));
        assertEquals("input byte size mismatch for input 'INPUT0' for model 'add_sub'. Expected 16, got 12",
                assertThrows(InvalidRequestException.class, () -> InferRequestReader.read(mismatch.body(), mismatch.headerLength(),
                        ADD_SUB, MAX)).getMessage());
        ByteBuffer strings = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN).putInt(1).put((byte) 'a').putInt(0);
        Binary twoStrings = Binary.of("{'inputs':[{'name':'T','shape':[3],'datatype':'BYTES','parameters':{'binary_data_size':9}}]}",
                strings.array());
        assertEquals("expected 3 string elements for inference input 'T' for model 'text', got 2",
                assertThrows(InvalidRequestException.class, () -> InferRequestReader.read(twoStrings.body(),
                        twoStrings.headerLength(), TEXT, MAX)).getMessage());
        Binary truncated = Binary.of("{'inputs':[{'name':'T','shape':[1],'datatype':'BYTES','parameters':{'binary_data_size':6}}]}",
                new byte[] {9, 0, 0, 0, 'a', 'b'});
        assertTrue(assertThrows(InvalidRequestException.class, () -> InferRequestReader.read(truncated.body(),
                truncated.headerLength(), TEXT, MAX)).getMessage().startsWith(
                "element byte size indicator exceeds the end of the buffer"));
    }

    @Test
    void jsonInputsAboveTheLimitAreRefusedBeforeAllocating() {
        String body = "{'inputs':[{'name':'T','shape':[1],'datatype':'BYTES','data':['" + "x".repeat(2000) + "']}]}";
        assertEquals("JSON input 'T' has a byte_size (2004 bytes) that exceeds the maximum allowed value of 1000 bytes. "
                + "Use --max-request-bytes to increase the limit.", assertThrows(InvalidRequestException.class,
                () -> InferRequestReader.read(ByteBuffer.wrap(body.replace('\'', '"').getBytes(StandardCharsets.UTF_8)), -1,
                        TEXT, 1000)).getMessage());
        String huge = "{'inputs':[{'name':'INPUT0','shape':[4000000000000],'datatype':'FP32','data':[1]}]}";
        assertTrue(error(ADD_SUB, huge).startsWith("JSON input 'INPUT0' has a byte_size (16000000000000 bytes)"));
    }

    @Test
    void jsonValuesOfEveryTypeAreRangeChecked() {
        ModelSpec types = spec("{'name':'t','backend':'python','input':[{'name':'U8','data_type':'TYPE_UINT8','dims':[2]},"
                + "{'name':'B','data_type':'TYPE_BOOL','dims':[2]},{'name':'U64','data_type':'TYPE_UINT64','dims':[1]}],"
                + "'output':[{'name':'O','data_type':'TYPE_UINT8','dims':[1]}]}");
        InferRequest r = json(types, "{'inputs':[{'name':'U8','shape':[2],'datatype':'UINT8','data':[0,255]},"
                + "{'name':'B','shape':[2],'datatype':'BOOL','data':[true,false]},"
                + "{'name':'U64','shape':[1],'datatype':'UINT64','data':[18446744073709551615]}]}").request();
        assertArrayEquals(new byte[] {0, (byte) 255}, bytes(r.inputs().get(0)));
        assertArrayEquals(new byte[] {1, 0}, bytes(r.inputs().get(1)));
        assertEquals(-1L, r.inputs().get(2).data().duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong());
        assertEquals(DataType.UINT64, r.inputs().get(2).datatype());
        assertEquals("Unable to parse 'data': value 256 is out of range for UINT8 input 'U8'", error(types,
                "{'inputs':[{'name':'U8','shape':[2],'datatype':'UINT8','data':[0,256]}]}"));
        assertEquals("Unable to parse 'data': expected BOOL values for input 'B', got 1", error(types,
                "{'inputs':[{'name':'B','shape':[2],'datatype':'BOOL','data':[1,0]}]}"));
    }

    private static byte[] bytes(InferInput in) {
        byte[] b = new byte[in.data().remaining()];
        in.data().duplicate().get(b);
        return b;
    }
}
