package dev.tpb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that asks for a large answer and never reads it must not hold the model instance for everyone else:
 * outputs are written straight from the instance's shared memory, so tpb disconnects a client that makes no
 * progress for a while (HttpConnection.WRITE_STALL_MILLIS).
 */
class StalledClientTest {
    @Test
    void aClientThatStopsReadingDoesNotFreezeTheModel(@TempDir Path repo) throws Exception {
        try (Served served = new Served(repo, 64 << 20, "identity_fp32")) {
            int n = 4 << 20; // 16 MiB of FP32 in and out: far more than the socket buffers hold
            String header = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[" + n + "],\"datatype\":\"FP32\","
                    + "\"parameters\":{\"binary_data_size\":" + (4L * n) + "}}],\"parameters\":{\"binary_data_output\":true}}";
            byte[] h = header.getBytes(StandardCharsets.UTF_8);
            try (Socket stalled = new Socket("127.0.0.1", served.port())) {
                stalled.setReceiveBufferSize(4096);
                OutputStream out = stalled.getOutputStream();
                out.write(("POST /v2/models/identity_fp32/infer HTTP/1.1\r\nHost: x\r\nInference-Header-Content-Length: "
                        + h.length + "\r\nContent-Length: " + (h.length + 4L * n) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(h);
                out.write(new byte[4 * n]);
                out.flush();
                // ...and never read the answer. Meanwhile another client asks for something small:
                byte[] small = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).array();
                String smallHeader = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[2],\"datatype\":\"FP32\","
                        + "\"parameters\":{\"binary_data_size\":8}}]}";
                CompletableFuture<RawHttp.Response> other = CompletableFuture.supplyAsync(() -> {
                    byte[] sh = smallHeader.getBytes(StandardCharsets.UTF_8);
                    byte[] body = new byte[sh.length + small.length];
                    System.arraycopy(sh, 0, body, 0, sh.length);
                    System.arraycopy(small, 0, body, sh.length, small.length);
                    return RawHttp.once(served.port(), "POST", "/v2/models/identity_fp32/infer",
                            Map.of("Inference-Header-Content-Length", Integer.toString(sh.length)), body);
                });
                RawHttp.Response answer = other.get(60, TimeUnit.SECONDS);
                assertEquals(200, answer.status(), answer::toString);
            }
        }
    }
}
