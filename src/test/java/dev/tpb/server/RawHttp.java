package dev.tpb.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** An HTTP/1.1 client on a plain socket, for tests that need exact control of what goes over the wire. */
final class RawHttp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text(), e);
            }
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + text();
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttp(int port) {
        try {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(60_000);
            socket.setTcpNoDelay(true);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Response once(int port, String method, String path, Map<String, String> headers, byte[] body) {
        try (RawHttp http = new RawHttp(port)) {
            return http.send(method, path, headers, body);
        }
    }

    Response send(String method, String path, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body != null && headers.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("transfer-encoding"))) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            write(body);
        }
        return read();
    }

    Response get(String path) {
        return send("GET", path, Map.of(), null);
    }

    Response post(String path, String json) {
        return send("POST", path, Map.of(), json.getBytes(StandardCharsets.UTF_8));
    }

    void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Response read() {
        try {
            Response head = readHead();
            Map<String, String> headers = head.headers();
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (byte[] chunk; (chunk = readChunk()) != null; ) {
                    all.write(chunk);
                }
                return new Response(head.status(), headers, all.toByteArray());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            if (body.length != length) {
                throw new EOFException("short body: " + body.length + " of " + length);
            }
            return new Response(head.status(), headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The status line and headers of the next response (the body is left to read). */
    Response readHead() throws IOException {
        String statusLine = line();
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l; !(l = line()).isEmpty(); ) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        return new Response(status, headers, new byte[0]);
    }

    /** The next chunk of a chunked body, or null after the last one (and its trailer). */
    byte[] readChunk() throws IOException {
        String size = line();
        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
        if (n == 0) {
            while (!line().isEmpty()) {
                // trailer fields
            }
            return null;
        }
        byte[] chunk = in.readNBytes(n);
        if (chunk.length != n || !line().isEmpty()) {
            throw new EOFException("malformed chunk");
        }
        return chunk;
    }

    /** True when the server has closed the connection (reads end-of-stream). */
    boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            throw new EOFException("connection closed");
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
