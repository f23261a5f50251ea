package dev.tpb.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CompressionTest {
    @ParameterizedTest(name = "Accept-Encoding: {0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            NULL | IDENTITY
            gzip | GZIP
            deflate | DEFLATE
            'gzip, deflate' | GZIP
            'deflate;q=0.5, gzip;q=0.8' | GZIP
            'gzip;q=0.2, deflate' | DEFLATE
            'identity, gzip;q=0.5' | IDENTITY
            gzip;q=0 | IDENTITY
            br | IDENTITY
            'br, deflate;q=0.1' | DEFLATE
            """)
    void responseEncodingIsTheHighestWeighted(String header, Compression expected) {
        assertEquals(expected, Compression.forAcceptEncoding(header));
    }

    @Test
    void requestEncodings() {
        assertEquals(Compression.IDENTITY, Compression.ofContentEncoding(null));
        assertEquals(Compression.IDENTITY, Compression.ofContentEncoding("identity"));
        assertEquals(Compression.GZIP, Compression.ofContentEncoding("gzip"));
        assertEquals(Compression.DEFLATE, Compression.ofContentEncoding("deflate"));
        RequestError e = assertThrows(RequestError.class, () -> Compression.ofContentEncoding("br"));
        assertEquals(501, e.status());
        assertEquals("Unsupported compression type", e.getMessage());
    }

    @Test
    void gzipAndDeflateRoundTripWithTheJdksStreams() throws IOException {
        byte[] text = "tensor ".repeat(1000).getBytes(StandardCharsets.UTF_8);
        byte[] gz = Compression.GZIP.compress(List.of(ByteBuffer.wrap(text, 0, 10), ByteBuffer.wrap(text, 10, text.length - 10)));
        assertArrayEquals(text, new GZIPInputStream(new java.io.ByteArrayInputStream(gz)).readAllBytes());
        byte[] zlib = Compression.DEFLATE.compress(List.of(ByteBuffer.wrap(text)));
        assertEquals(0x78, zlib[0] & 0xFF, "deflate is a zlib stream, as HTTP defines it");
        assertArrayEquals(text, new InflaterInputStream(new java.io.ByteArrayInputStream(zlib)).readAllBytes());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(text);
        }
        ByteBuffer back = Compression.GZIP.decompress(ByteBuffer.wrap(out.toByteArray()), text.length);
        byte[] b = new byte[back.remaining()];
        back.get(b);
        assertArrayEquals(text, b);
    }

    @Test
    void decompressionIsBoundedByTheRequestLimit() {
        byte[] zeros = Compression.GZIP.compress(List.of(ByteBuffer.allocate(1 << 20)));
        RequestError e = assertThrows(RequestError.class, () -> Compression.GZIP.decompress(ByteBuffer.wrap(zeros), 1000));
        assertEquals("decompressed request body exceeds the maximum allowed size of 1000 bytes (tpb run "
                + "--max-request-bytes)", e.getMessage());
        RequestError bad = assertThrows(RequestError.class,
                () -> Compression.GZIP.decompress(ByteBuffer.wrap(new byte[] {1, 2, 3}), 1000));
        assertEquals(400, bad.status());
    }
}
