package dev.tpb.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * Content-Encoding of request and response bodies as Triton handles it: gzip, deflate (a zlib stream, as HTTP
 * defines it) or identity; the response's encoding is the highest-weighted of those in Accept-Encoding.
 */
enum Compression {
    IDENTITY("identity"), GZIP("gzip"), DEFLATE("deflate");

    final String token;

    Compression(String token) {
        this.token = token;
    }

    /** The request body's encoding; anything else is refused with UNSUPPORTED, as Triton does. */
    static Compression ofContentEncoding(String header) {
        if (header == null || header.isEmpty()) {
            return IDENTITY;
        }
        for (Compression c : values()) {
            if (c.token.equals(header.trim().toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw RequestError.unsupported("Unsupported compression type");
    }

    /** The encoding to answer with, from Accept-Encoding ("gzip;q=0.5, deflate"); identity when none applies. */
    static Compression forAcceptEncoding(String header) {
        if (header == null || header.isEmpty()) {
            return IDENTITY;
        }
        Compression best = IDENTITY;
        double bestWeight = -1;
        for (String item : header.split(",")) {
            String[] parts = item.trim().split(";");
            String token = parts[0].trim().toLowerCase(Locale.ROOT);
            double weight = 1;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim();
                if (p.startsWith("q=")) {
                    try {
                        weight = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException e) {
                        weight = 0;
                    }
                }
            }
            for (Compression c : values()) {
                if (c.token.equals(token) && weight > bestWeight) {
                    best = c;
                    bestWeight = weight;
                }
            }
        }
        return bestWeight > 0 ? best : IDENTITY;
    }

    /** Decompresses a request body; more than {@code max} bytes of output is refused. */
    ByteBuffer decompress(ByteBuffer body, long max) {
        if (this == IDENTITY) {
            return body;
        }
        try (InputStream in = this == GZIP ? new GZIPInputStream(new BufferInputStream(body), 65536)
                : new InflaterInputStream(new BufferInputStream(body))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.remaining() * 4));
            byte[] chunk = new byte[65536];
            long total = 0;
            for (int n; (n = in.read(chunk)) > 0; ) {
                total += n;
                if (total > max) {
                    throw RequestError.invalid("decompressed request body exceeds the maximum allowed size of " + max
                            + " bytes (tpb run --max-request-bytes)");
                }
                out.write(chunk, 0, n);
            }
            return ByteBuffer.wrap(out.toByteArray());
        } catch (IOException e) {
            throw RequestError.invalid("failed to decompress the request body (Content-Encoding: " + token + "): "
                    + e.getMessage());
        }
    }

    /** The whole body (JSON and binary chunks) compressed, at zlib's default level as Triton does. */
    byte[] compress(List<ByteBuffer> body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (OutputStream z = this == GZIP ? new GZIPOutputStream(out, 65536) : new DeflaterOutputStream(out)) {
            byte[] chunk = new byte[65536];
            for (ByteBuffer b : body) {
                ByteBuffer d = b.duplicate();
                while (d.hasRemaining()) {
                    int n = Math.min(chunk.length, d.remaining());
                    d.get(chunk, 0, n);
                    z.write(chunk, 0, n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static final class BufferInputStream extends InputStream {
        private final ByteBuffer buffer;

        BufferInputStream(ByteBuffer buffer) {
            this.buffer = buffer.duplicate();
        }

        @Override
        public int read() {
            return buffer.hasRemaining() ? buffer.get() & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (!buffer.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, buffer.remaining());
            buffer.get(b, off, n);
            return n;
        }
    }
}
