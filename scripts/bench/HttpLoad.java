import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A closed-loop HTTP/1.1 load generator for scripts/bench-http: N keep-alive connections, each sending the same
 * request back to back for T seconds (after a warm-up), checking every answer is 200 with the expected body
 * length. Prints one line: requests errors req_per_s p50_us p99_us.
 *
 * java HttpLoad.java URL METHOD BODY_FILE|- CONNECTIONS SECONDS WARMUP_SECONDS [HEADER:VALUE]...
 * java HttpLoad.java -   (jobs from stdin, one per line, the same fields separated by tabs; one result line each)
 *
 * With jobs from stdin one JVM runs a whole benchmark: a JVM per run would still be compiling its own hot code
 * (C2 takes a core for a second or two) while it measures.
 */
public final class HttpLoad {
    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("-")) {
            java.io.BufferedReader jobs = new java.io.BufferedReader(
                    new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = jobs.readLine()) != null; ) {
                if (!line.isBlank()) {
                    run(line.split("\t"));
                    System.out.flush();
                }
            }
            return;
        }
        run(args);
    }

    private static void run(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        String method = args[1];
        byte[] body = args[2].equals("-") ? new byte[0] : Files.readAllBytes(Path.of(args[2]));
        int connections = Integer.parseInt(args[3]);
        double seconds = Double.parseDouble(args[4]);
        double warmup = Double.parseDouble(args[5]);
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(url.getRawPath()).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(url.getHost()).append(':').append(url.getPort()).append("\r\n");
        for (int i = 6; i < args.length; i++) {
            head.append(args[i]).append("\r\n");
        }
        if (!method.equals("GET")) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);

        long start = System.nanoTime();
        long measureFrom = start + (long) (warmup * 1e9);
        long end = measureFrom + (long) (seconds * 1e9);
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Worker w = new Worker(new InetSocketAddress(url.getHost(), url.getPort()), request, measureFrom, end);
            workers.add(w);
            w.start();
        }
        long requests = 0;
        long errors = 0;
        int total = 0;
        for (Worker w : workers) {
            w.join();
            requests += w.count;
            errors += w.errors;
            total += w.latencies.length == 0 ? 0 : w.n;
        }
        long[] all = new long[total];
        int at = 0;
        for (Worker w : workers) {
            System.arraycopy(w.latencies, 0, all, at, w.n);
            at += w.n;
        }
        Arrays.sort(all);
        double rate = requests / seconds;
        System.out.printf(Locale.ROOT, "%d %d %.0f %.1f %.1f%n", requests, errors, rate, percentile(all, 0.50),
                percentile(all, 0.99));
        if (!workers.isEmpty() && workers.get(0).firstError != null) {
            System.err.println("first error: " + workers.get(0).firstError);
        }
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
        return sorted[i] / 1000.0;
    }

    static final class Worker extends Thread {
        private final InetSocketAddress address;
        private final byte[] request;
        private final long measureFrom;
        private final long end;
        private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
        private ByteBuffer large;
        long[] latencies = new long[1 << 16];
        int n;
        long count;
        long errors;
        String firstError;

        Worker(InetSocketAddress address, byte[] request, long measureFrom, long end) {
            this.address = address;
            this.request = request;
            this.measureFrom = measureFrom;
            this.end = end;
            setDaemon(true);
        }

        @Override
        public void run() {
            ByteBuffer out = ByteBuffer.allocateDirect(request.length);
            SocketChannel ch = null;
            while (true) {
                long t0 = System.nanoTime();
                if (t0 >= end) {
                    break;
                }
                try {
                    if (ch == null) {
                        ch = SocketChannel.open(address);
                        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        in.clear().flip();
                    }
                    out.clear();
                    out.put(request).flip();
                    while (out.hasRemaining()) {
                        ch.write(out);
                    }
                    int status = readResponse(ch);
                    long t1 = System.nanoTime();
                    if (t0 >= measureFrom) {
                        count++;
                        if (status != 200) {
                            errors++;
                            if (firstError == null) {
                                firstError = "HTTP status " + status;
                            }
                        }
                        if (n == latencies.length) {
                            latencies = Arrays.copyOf(latencies, n * 2);
                        }
                        latencies[n++] = t1 - t0;
                    }
                } catch (IOException e) {
                    if (t0 >= measureFrom) {
                        count++;
                        errors++;
                        if (firstError == null) {
                            firstError = e.toString();
                        }
                    }
                    try {
                        if (ch != null) {
                            ch.close();
                        }
                    } catch (IOException ignored) {
                        // reconnect
                    }
                    ch = null;
                }
            }
            try {
                if (ch != null) {
                    ch.close();
                }
            } catch (IOException ignored) {
                // done
            }
        }

        /** Reads one response; returns its status. Keeps any extra bytes (there are none: one request at a time). */
        private int readResponse(SocketChannel ch) throws IOException {
            int headEnd;
            while ((headEnd = find(in)) < 0) {
                in.compact();
                if (ch.read(in) < 0) {
                    throw new EOFException("server closed the connection");
                }
                in.flip();
            }
            byte[] headBytes = new byte[headEnd - in.position()];
            in.get(headBytes);
            in.position(in.position() + 4);
            String headText = new String(headBytes, StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(headText.substring(9, 12));
            long length = 0;
            for (String line : headText.split("\r\n")) {
                if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Long.parseLong(line.substring(15).trim());
                }
            }
            long buffered = Math.min(in.remaining(), length);
            in.position(in.position() + (int) buffered);
            long remaining = length - buffered;
            if (remaining > 0) {
                if (large == null || large.capacity() < remaining) {
                    large = ByteBuffer.allocateDirect((int) remaining);
                }
                large.clear().limit((int) remaining);
                while (large.hasRemaining()) {
                    if (ch.read(large) < 0) {
                        throw new EOFException("server closed the connection in a body");
                    }
                }
            }
            return status;
        }

        private static int find(ByteBuffer b) {
            for (int i = b.position(); i + 3 < b.limit(); i++) {
                if (b.get(i) == '\r' && b.get(i + 1) == '\n' && b.get(i + 2) == '\r' && b.get(i + 3) == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }
}
