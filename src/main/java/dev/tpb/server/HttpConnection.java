package dev.tpb.server;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One client connection, served by its own thread: HTTP/1.1 with keep-alive, Content-Length and chunked request
 * bodies, {@code Expect: 100-continue}. Small requests are parsed in place in a heap buffer; a body that does not
 * fit is read straight from the socket into a direct buffer kept for the connection's next large request. The
 * body handed to the handler is a view of these buffers (no copy); it is reused once the response is written.
 */
final class HttpConnection implements Runnable {
    private static final int HEAD_BUFFER = 64 * 1024;
    /** Large-body buffers up to this size are kept for the next request; larger ones are dropped after use. */
    private static final int KEEP_BODY_BUFFER = 16 << 20;
    /** After refusing an oversized body, at most this much of it is read and discarded before closing. */
    private static final long MAX_DRAIN = 1L << 30;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    /**
     * A client that takes no part of a response for this long is disconnected. Large outputs are written straight
     * from a model instance's shared memory, small ones by the instance's own thread, so a client that stops
     * reading holds the instance for every other client until then.
     */
    static final long WRITE_STALL_MILLIS = 5_000;
    /** Writes go out in pieces of at most this much, so that progress (not the whole response) is timed. */
    private static final int WRITE_PIECE = 1 << 20;

    private final SocketChannel channel;
    private final HttpServer server;
    private final ByteBuffer in = ByteBuffer.allocate(HEAD_BUFFER);
    private final byte[] buf = in.array();
    private int start;
    private int end;
    private ByteBuffer large;
    private volatile boolean idle = true;
    /** Completes when the last deferred response has been written (or failed). */
    private volatile CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
    /** The clients of deferred responses not yet written: told when the connection ends first. */
    private final java.util.concurrent.ConcurrentLinkedQueue<ClientWatch> waiting =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /**
     * {@link System#nanoTime()} when the piece being written started, 0 when none is. The server's stall sweeper
     * reads it: a timer armed per write would wake a timer thread for every response.
     */
    private volatile long writingSince;

    HttpConnection(SocketChannel channel, HttpServer server) {
        this.channel = channel;
        this.server = server;
    }

    /** Waiting for the first byte of a request, no answer pending (may be closed at shutdown losing nothing). */
    boolean idle() {
        return idle && previous.isDone();
    }

    /** Whether a piece of a response has been waiting for the client longer than {@code stallNanos}. */
    boolean stalled(long now, long stallNanos) {
        long since = writingSince;
        return since != 0 && now - since > stallNanos;
    }

    void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void run() {
        try {
            boolean keepAlive = true;
            while (keepAlive) {
                idle = true;
                if (server.stopping() && start == end) {
                    break;
                }
                Head head = readHead();
                idle = false;
                if (head == null) {
                    break;
                }
                keepAlive = serve(head) && !server.stopping();
            }
        } catch (IOException e) {
            if (e instanceof BadRequest bad && channel.isOpen()) {
                awaitPrevious();
                try {
                    write(HttpResponse.error(bad.status, bad.getMessage()), false);
                } catch (IOException ignored) {
                    // the client is gone
                }
            }
        } finally {
            // The client went away (or sent nothing more) while answers were pending: their requests are cancelled.
            for (ClientWatch w; (w = waiting.poll()) != null; ) {
                w.gone();
            }
            awaitPrevious();
            close();
            server.closed(this);
        }
    }

    private void awaitPrevious() {
        try {
            previous.join();
        } catch (RuntimeException e) {
            // the write failed; the connection is being closed anyway
        }
    }

    /** Serves one request; returns whether the connection stays open. */
    private boolean serve(Head head) throws IOException {
        awaitPrevious(); // a pipelined request is answered after the one before it
        long max = server.maxRequestBytes();
        long length = head.contentLength;
        if (!head.chunked && length > max) {
            refuseBody(head, "request body of " + length + " bytes exceeds the maximum allowed size of " + max
                    + " bytes (tpb run --max-request-bytes)");
            return false;
        }
        if (head.expectContinue && (head.chunked || length > 0)) {
            channel.write(ByteBuffer.wrap(CONTINUE));
        }
        ByteBuffer body;
        if (head.chunked) {
            body = readChunked(max);
            if (body == null) {
                refuseBody(head, "request body exceeds the maximum allowed size of " + max
                        + " bytes (tpb run --max-request-bytes)");
                return false;
            }
        } else {
            body = readBody((int) length);
        }
        ClientWatch watch = new ClientWatch();
        HttpRequest request = new HttpRequest(head.method, head.path, head.query, head.headers, body, head.keepAlive,
                watch);
        HttpResponse response;
        try {
            response = server.handler().handle(request);
        } catch (RuntimeException e) {
            response = HttpResponse.error(500, "internal error: " + e);
        }
        boolean keepAlive = head.keepAlive && !server.stopping();
        if (response.deferred() != null) {
            waiting.add(watch);
            writeLater(response.deferred(), keepAlive, watch);
            return keepAlive;
        }
        if (response.streamed() != null) {
            return writeStream(response, head.http10 ? false : keepAlive, !head.http10);
        }
        write(response, keepAlive);
        if (large != null && large.capacity() > KEEP_BODY_BUFFER) {
            large = null;
        }
        return keepAlive;
    }

    private void refuseBody(Head head, String message) throws IOException {
        write(HttpResponse.error(400, message), false);
        channel.shutdownOutput();
        // Read what the client is still sending, or it may see a reset instead of our answer.
        long remaining = head.chunked ? MAX_DRAIN : Math.min(head.contentLength, MAX_DRAIN);
        remaining -= end - start;
        start = end;
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        while (remaining > 0) {
            sink.clear();
            int n = channel.read(sink);
            if (n < 0) {
                break;
            }
            remaining -= n;
        }
    }

    // ---- reading ------------------------------------------------------------------------------------------

    private static final class BadRequest extends IOException {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private record Head(String method, String path, String query, Map<String, String> headers, long contentLength,
                        boolean chunked, boolean keepAlive, boolean expectContinue, boolean http10) {
    }

    /** Reads up to and including the blank line that ends the head; null at a clean end of stream. */
    private Head readHead() throws IOException {
        int scanned = start;
        while (true) {
            int at = find(scanned);
            if (at >= 0) {
                Head head = parseHead(start, at);
                start = at + 4;
                return head;
            }
            scanned = Math.max(start, end - 3);
            if (end == buf.length) {
                if (start == 0) {
                    throw new BadRequest(431, "request head larger than " + HEAD_BUFFER + " bytes");
                }
                compact();
                scanned = Math.max(0, end - 3);
            }
            if (fill() < 0) {
                if (start == end) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a request");
            }
        }
    }

    private int find(int from) {
        for (int i = from; i + 3 < end; i++) {
            if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void compact() {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
    }

    private int fill() throws IOException {
        in.limit(buf.length).position(end);
        int n = channel.read(in);
        if (n > 0) {
            end += n;
        }
        return n;
    }

    private Head parseHead(int from, int to) throws BadRequest {
        String text = new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
        int lineEnd = text.indexOf("\r\n");
        String requestLine = lineEnd < 0 ? text : text.substring(0, lineEnd);
        int sp1 = requestLine.indexOf(' ');
        int sp2 = requestLine.lastIndexOf(' ');
        if (sp1 <= 0 || sp2 <= sp1) {
            throw new BadRequest(400, "malformed request line: " + requestLine);
        }
        String method = requestLine.substring(0, sp1);
        String target = requestLine.substring(sp1 + 1, sp2);
        String version = requestLine.substring(sp2 + 1);
        if (!version.startsWith("HTTP/1.")) {
            throw new BadRequest(505, "unsupported protocol version: " + version);
        }
        Map<String, String> headers = new HashMap<>();
        int pos = lineEnd < 0 ? text.length() : lineEnd + 2;
        while (pos < text.length()) {
            int next = text.indexOf("\r\n", pos);
            if (next < 0) {
                next = text.length();
            }
            int colon = text.indexOf(':', pos);
            if (colon < 0 || colon > next) {
                throw new BadRequest(400, "malformed header line: " + text.substring(pos, next));
            }
            String name = text.substring(pos, colon).trim().toLowerCase(Locale.ROOT);
            String value = text.substring(colon + 1, next).trim();
            headers.merge(name, value, (a, b) -> a + ", " + b);
            pos = next + 2;
        }
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        String transfer = headers.get("transfer-encoding");
        boolean chunked = transfer != null && transfer.toLowerCase(Locale.ROOT).contains("chunked");
        long length = 0;
        String cl = headers.get("content-length");
        if (cl != null && !chunked) {
            try {
                length = Long.parseLong(cl);
            } catch (NumberFormatException e) {
                length = -1;
            }
            if (length < 0) {
                throw new BadRequest(400, "Unable to parse Content-Length, got: " + cl);
            }
        }
        String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
        boolean keepAlive = version.equals("HTTP/1.0") ? connection.contains("keep-alive") : !connection.contains("close");
        boolean expectContinue = "100-continue".equalsIgnoreCase(headers.get("expect")) && !version.equals("HTTP/1.0");
        return new Head(method, path, query, headers, length, chunked, keepAlive, expectContinue,
                version.equals("HTTP/1.0"));
    }

    /** The next {@code length} bytes as a view: in the head buffer when they fit, else in the large buffer. */
    private ByteBuffer readBody(int length) throws IOException {
        if (length <= buf.length) {
            if (buf.length - start < length) {
                compact();
            }
            while (end - start < length) {
                if (fill() < 0) {
                    throw new EOFException("connection closed in the middle of a request body");
                }
            }
            ByteBuffer body = ByteBuffer.wrap(buf, start, length).slice();
            start += length;
            return body;
        }
        ByteBuffer target = largeBuffer(length);
        int buffered = Math.min(end - start, length);
        target.put(buf, start, buffered);
        start += buffered;
        readFully(target);
        return target.flip();
    }

    private ByteBuffer largeBuffer(int length) {
        if (large == null || large.capacity() < length) {
            large = ByteBuffer.allocateDirect(length);
        }
        large.clear().limit(length);
        return large;
    }

    private void readFully(ByteBuffer target) throws IOException {
        while (target.hasRemaining()) {
            if (channel.read(target) < 0) {
                throw new EOFException("connection closed in the middle of a request body");
            }
        }
    }

    /** A chunked body, decoded; null when it grows beyond {@code max}. */
    private ByteBuffer readChunked(long max) throws IOException {
        ByteBuffer body = largeBuffer(Math.min(HEAD_BUFFER, (int) Math.min(max, Integer.MAX_VALUE)));
        body.limit(body.capacity());
        while (true) {
            String line = readLine();
            int semi = line.indexOf(';');
            long size;
            try {
                size = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new BadRequest(400, "malformed chunk size: " + line);
            }
            if (size == 0) {
                while (!readLine().isEmpty()) {
                    // trailer fields are ignored
                }
                return body.flip();
            }
            if (body.position() + size > max) {
                return null;
            }
            if (body.remaining() < size) {
                long wanted = Math.max((long) body.capacity() * 2, body.position() + size);
                ByteBuffer bigger = ByteBuffer.allocateDirect((int) Math.min(wanted, max));
                body.flip();
                bigger.put(body);
                large = bigger;
                body = bigger;
            }
            int n = (int) size;
            int buffered = Math.min(end - start, n);
            body.put(buf, start, buffered);
            start += buffered;
            if (buffered < n) {
                int limit = body.limit();
                body.limit(body.position() + n - buffered);
                readFully(body);
                body.limit(limit);
            }
            if (!readLine().isEmpty()) {
                throw new BadRequest(400, "malformed chunked body: missing CRLF after a chunk");
            }
        }
    }

    private String readLine() throws IOException {
        while (true) {
            for (int i = start; i + 1 < end; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n') {
                    String line = new String(buf, start, i - start, StandardCharsets.ISO_8859_1);
                    start = i + 2;
                    return line;
                }
            }
            if (end == buf.length) {
                if (start == 0) {
                    throw new BadRequest(400, "line too long in chunked body");
                }
                compact();
            }
            if (fill() < 0) {
                throw new EOFException("connection closed in the middle of a chunked body");
            }
        }
    }

    // ---- writing ------------------------------------------------------------------------------------------

    /** The thread that completes {@code response} writes it; the connection's thread reads on meanwhile. */
    private void writeLater(CompletableFuture<HttpResponse> response, boolean keepAlive, ClientWatch watch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        previous = done;
        response.whenComplete((r, failure) -> {
            waiting.remove(watch);
            watch.done();
            try {
                write(failure != null ? HttpResponse.error(500, "internal error: " + failure) : r, keepAlive);
                if (!keepAlive) {
                    close();
                }
            } catch (IOException e) {
                close();
            } finally {
                done.complete(null);
            }
        });
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /**
     * Writes a streamed response as its chunks come: the head once the first one is there (it decides the status),
     * then each chunk (chunked transfer encoding; HTTP/1.0: the bytes as they are, then the connection closes).
     * A failed write means the client is gone: the stream is told (its request is cancelled). Returns whether the
     * connection stays open.
     */
    private boolean writeStream(HttpResponse response, boolean keepAlive, boolean chunked) throws IOException {
        awaitPrevious();
        EventStream stream = response.streamed();
        try {
            EventStream.Chunk chunk = stream.take();
            StringBuilder head = new StringBuilder(160);
            head.append("HTTP/1.1 ").append(chunk.status()).append(' ').append(HttpStatus.reason(chunk.status()))
                    .append("\r\n");
            for (String[] h : response.headers()) {
                head.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
            if (chunked) {
                head.append("Transfer-Encoding: chunked\r\n");
            }
            if (!keepAlive) {
                head.append("Connection: close\r\n");
            }
            head.append("\r\n");
            writePieces(List.of(ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.ISO_8859_1))));
            while (true) {
                List<ByteBuffer> pieces = new java.util.ArrayList<>(4);
                if (chunk.data().length > 0) {
                    if (chunked) {
                        pieces.add(ByteBuffer.wrap((Integer.toHexString(chunk.data().length) + "\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1)));
                    }
                    pieces.add(ByteBuffer.wrap(chunk.data()));
                    if (chunked) {
                        pieces.add(ByteBuffer.wrap(CRLF));
                    }
                }
                if (chunk.last() && chunked) {
                    pieces.add(ByteBuffer.wrap(LAST_CHUNK));
                }
                if (!pieces.isEmpty()) {
                    writePieces(pieces);
                }
                if (chunk.last()) {
                    return keepAlive;
                }
                chunk = stream.take();
            }
        } catch (IOException e) {
            stream.clientGone();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stream.clientGone();
            return false;
        }
    }

    /** Writes buffers (in groups of at most one piece), timed for the stall sweeper. */
    private void writePieces(List<ByteBuffer> buffers) throws IOException {
        List<ByteBuffer> pieces = new java.util.ArrayList<>(buffers.size() + 1);
        for (ByteBuffer b : buffers) {
            ByteBuffer rest = b.duplicate();
            while (rest.remaining() > WRITE_PIECE) {
                pieces.add(rest.slice().limit(WRITE_PIECE));
                rest.position(rest.position() + WRITE_PIECE);
            }
            pieces.add(rest);
        }
        for (int i = 0; i < pieces.size(); ) {
            int from = i;
            long bytes = pieces.get(i++).remaining();
            while (i < pieces.size() && bytes + pieces.get(i).remaining() <= WRITE_PIECE) {
                bytes += pieces.get(i++).remaining();
            }
            writingSince = System.nanoTime() | 1; // never 0 while writing
            try {
                ByteBuffer[] group = pieces.subList(from, i).toArray(new ByteBuffer[0]);
                for (long left = bytes; left > 0; ) { // a blocking channel writes them all in one call
                    left -= channel.write(group);
                }
            } finally {
                writingSince = 0;
            }
        }
    }

    private void write(HttpResponse response, boolean keepAlive) throws IOException {
        try {
            List<ByteBuffer> body = response.body();
            StringBuilder head = new StringBuilder(128);
            head.append("HTTP/1.1 ").append(response.status()).append(' ').append(HttpStatus.reason(response.status()))
                    .append("\r\n");
            for (String[] h : response.headers()) {
                head.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
            head.append("Content-Length: ").append(response.contentLength()).append("\r\n");
            if (!keepAlive) {
                head.append("Connection: close\r\n");
            }
            head.append("\r\n");
            List<ByteBuffer> all = new java.util.ArrayList<>(body.size() + 1);
            all.add(ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.ISO_8859_1)));
            all.addAll(body);
            writePieces(all);
        } finally {
            response.afterWrite().run();
        }
    }
}
