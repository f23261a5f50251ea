package dev.tpb.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tpb.runtime.TensorJson;
import dev.tpb.runtime.InferError;
import dev.tpb.runtime.InferOutput;
import dev.tpb.runtime.InferResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a model's answer as the KServe v2 response: the JSON header, then the binary chunks, large ones straight
 * from the stub's shared memory (one gathering write, no copy). The result is closed once the bytes are out.
 */
final class InferResponseWriter {
    private InferResponseWriter() {
    }

    static HttpResponse write(InferResult result, OutputSelection selection, Compression compression) {
        try {
            if (result.error().isPresent()) {
                InferError error = result.error().get();
                result.close();
                return HttpResponse.error(error.code().httpStatus(), error.message());
            }
            List<ByteBuffer> chunks = new ArrayList<>();
            byte[] json = header(result, selection, chunks);
            List<ByteBuffer> body = new ArrayList<>(chunks.size() + 1);
            body.add(ByteBuffer.wrap(json));
            body.addAll(chunks);
            HttpResponse response;
            if (compression != Compression.IDENTITY) {
                byte[] compressed = compression.compress(body);
                result.close();
                response = new HttpResponse(200, List.of(ByteBuffer.wrap(compressed)))
                        .header("Content-Encoding", compression.token);
            } else {
                response = new HttpResponse(200, body).afterWrite(result::close);
            }
            if (chunks.isEmpty()) {
                response.header("Content-Type", "application/json");
            } else {
                response.header("Content-Type", "application/octet-stream")
                        .header("Inference-Header-Content-Length", Integer.toString(json.length));
            }
            return response;
        } catch (RuntimeException e) {
            result.close();
            throw e;
        }
    }

    private static byte[] header(InferResult result, OutputSelection selection, List<ByteBuffer> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            if (result.id() != null && !result.id().isEmpty()) {
                g.writeStringField("id", result.id());
            }
            g.writeStringField("model_name", result.modelName());
            g.writeStringField("model_version", Long.toString(result.modelVersion()));
            JsonNode parameters = responseParameters(result.parametersJson());
            if (parameters != null) {
                g.writeFieldName("parameters");
                Json.MAPPER.writeTree(g, parameters);
            }
            g.writeArrayFieldStart("outputs");
            for (InferOutput output : result.outputs()) {
                if (selection.includes(output.name())) {
                    writeOutput(g, output, selection.binary(output.name()), chunks);
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static JsonNode responseParameters(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            return node != null && node.isObject() && node.size() > 0 ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static void writeOutput(JsonGenerator g, InferOutput output, boolean binary, List<ByteBuffer> chunks)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("name", output.name());
        g.writeStringField("datatype", output.datatype().name());
        g.writeArrayFieldStart("shape");
        for (long d : output.shape()) {
            g.writeNumber(d);
        }
        g.writeEndArray();
        ByteBuffer data = output.data();
        if (binary) {
            g.writeObjectFieldStart("parameters");
            g.writeNumberField("binary_data_size", data.remaining());
            g.writeEndObject();
            if (data.hasRemaining()) {
                chunks.add(data);
            }
        } else {
            g.writeFieldName("data");
            TensorJson.write(g, output.name(), output.datatype(), data, TensorJson.elementCount(output.shape()));
        }
        g.writeEndObject();
    }
}
