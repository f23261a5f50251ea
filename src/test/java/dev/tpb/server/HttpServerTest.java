package dev.tpb.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.TpbException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP/1.1 transport over real sockets, with a handler that echoes the request body. */
class HttpServerTest {
    private static final long MAX_BODY = 4 << 20;
    private HttpServer server;
    private int port;

    /**
     * Echoes the body; "/fail" throws; "/later" answers from another thread after the query's milliseconds;
     * X-Path carries the path as the server parsed it.
     */
    private static HttpResponse echo(HttpRequest r) {
        if (r.path().equals("/fail")) {
            throw new IllegalStateException("handler bug");
        }
        if (r.path().equals("/later")) {
            long millis = Long.parseLong(r.query());
            byte[] body = new byte[r.body().remaining()];
            r.body().duplicate().get(body); // the body must not be used after the handler returns
            return HttpResponse.later(CompletableFuture.supplyAsync(() -> {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new HttpResponse(200, List.of(ByteBuffer.wrap(body))).header("X-Thread", Thread.currentThread().getName());
            }));
        }
        ByteBuffer copy = ByteBuffer.allocate(r.body().remaining());
        copy.put(r.body().duplicate()).flip();
        return new HttpResponse(200, List.of(copy)).header("X-Path", r.path()).header("X-Method", r.method())
                .header("X-Query", r.query());
    }

    @BeforeEach
    void start() {
        server = HttpServer.start("127.0.0.1", 0, HttpServerTest::echo, MAX_BODY);
        port = server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void keepAliveServesManyRequestsOnOneConnection() {
        try (RawHttp http = new RawHttp(port)) {
            for (int i = 0; i < 200; i++) {
                RawHttp.Response r = http.post("/v2/x?y=" + i, "{\"n\":" + i + "}");
                assertEquals(200, r.status());
                assertEquals("{\"n\":" + i + "}", r.text());
                assertEquals("/v2/x", r.header("X-Path"));
                assertEquals("y=" + i, r.header("X-Query"));
                assertNull(r.header("Connection"));
            }
            assertEquals(1, server.connectionCount());
        }
    }

    @Test
    void deferredAnswersAreWrittenByTheThreadThatCompletesThem() {
        try (RawHttp http = new RawHttp(port)) {
            for (int i = 0; i < 50; i++) {
                RawHttp.Response r = http.post("/later?" + (i % 3), "n" + i);
                assertEquals("n" + i, r.text());
                assertTrue(!r.header("X-Thread").startsWith("tpb-http-"), r.header("X-Thread"));
            }
            assertEquals(1, server.connectionCount());
        }
    }

    @Test
    void pipelinedRequestsWaitForTheDeferredAnswerBeforeThem() {
        try (RawHttp http = new RawHttp(port)) {
            http.write(("POST /later?300 HTTP/1.1\r\nContent-Length: 4\r\n\r\nslow"
                    + "POST /now HTTP/1.1\r\nContent-Length: 4\r\n\r\nfast"
                    + "POST /later?0 HTTP/1.1\r\nContent-Length: 5\r\n\r\nquick").getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("slow", http.read().text());
            assertEquals("fast", http.read().text());
            assertEquals("quick", http.read().text());
        }
    }

    @Test
    void stoppingWaitsForADeferredAnswer() {
        try (RawHttp http = new RawHttp(port)) {
            http.write("POST /later?500 HTTP/1.1\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
            sleep(100);
            assertTrue(server.stopAccepting(5_000));
            RawHttp.Response r = http.read();
            assertEquals("ok", r.text());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void bodiesLargerThanTheHeadBufferArriveWhole() {
        byte[] body = new byte[3 << 20];
        new Random(7).nextBytes(body);
        try (RawHttp http = new RawHttp(port)) {
            for (int i = 0; i < 3; i++) {
                RawHttp.Response r = http.send("POST", "/big", Map.of(), body);
                assertEquals(200, r.status());
                assertArrayEquals(body, r.body());
            }
            RawHttp.Response small = http.post("/small", "after");
            assertEquals("after", small.text());
        }
    }

    @Test
    void chunkedRequestBodiesAreDecoded() {
        try (RawHttp http = new RawHttp(port)) {
            http.write(("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            RawHttp.Response r = http.read();
            assertEquals(200, r.status());
            assertEquals("hello, world", r.text());
            assertEquals("next", http.post("/n", "next").text(), "the connection stays usable");
        }
    }

    @Test
    void expectContinueGetsAnInterimResponse() {
        try (RawHttp http = new RawHttp(port)) {
            http.write("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            RawHttp.Response interim = http.read();
            assertEquals(100, interim.status());
            http.write("body".getBytes(StandardCharsets.ISO_8859_1));
            RawHttp.Response r = http.read();
            assertEquals(200, r.status());
            assertEquals("body", r.text());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        try (RawHttp http = new RawHttp(port)) {
            http.write(("POST /1 HTTP/1.1\r\nContent-Length: 3\r\n\r\none"
                    + "GET /2 HTTP/1.1\r\n\r\n"
                    + "POST /3 HTTP/1.1\r\nContent-Length: 5\r\n\r\nthree").getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("one", http.read().text());
            RawHttp.Response second = http.read();
            assertEquals("/2", second.header("X-Path"));
            assertEquals("GET", second.header("X-Method"));
            assertEquals("three", http.read().text());
        }
    }

    @Test
    void anOversizedBodyIsRefusedAndTheServerKeepsServing() {
        byte[] body = new byte[(int) MAX_BODY + 1];
        try (RawHttp http = new RawHttp(port)) {
            RawHttp.Response r = http.send("POST", "/big", Map.of(), body);
            assertEquals(400, r.status());
            assertEquals("request body of " + body.length + " bytes exceeds the maximum allowed size of " + MAX_BODY
                    + " bytes (tpb run --max-request-bytes)", r.json().path("error").asText());
            assertEquals("close", r.header("Connection"));
        }
        assertEquals("ok", RawHttp.once(port, "POST", "/p", Map.of(), "ok".getBytes(StandardCharsets.UTF_8)).text());
    }

    @Test
    void malformedRequestsGet400AndAClosedConnection() {
        try (RawHttp http = new RawHttp(port)) {
            http.write("NONSENSE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            RawHttp.Response r = http.read();
            assertEquals(400, r.status());
            assertEquals("malformed request line: NONSENSE", r.json().path("error").asText());
            assertTrue(http.closedByServer());
        }
        try (RawHttp http = new RawHttp(port)) {
            RawHttp.Response r = http.send("POST", "/x", Map.of("Content-Length", "abc"), null);
            assertEquals(400, r.status());
            assertEquals("Unable to parse Content-Length, got: abc", r.json().path("error").asText());
        }
    }

    @Test
    void aHandlerFailureIs500AndTheConnectionSurvives() {
        try (RawHttp http = new RawHttp(port)) {
            RawHttp.Response r = http.get("/fail");
            assertEquals(500, r.status());
            assertTrue(r.json().path("error").asText().contains("handler bug"), r::toString);
            assertEquals("/ok", http.get("/ok").header("X-Path"));
        }
    }

    @Test
    void http10ClosesUnlessKeepAliveIsAsked() {
        try (RawHttp http = new RawHttp(port)) {
            http.write("GET /a HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("close", http.read().header("Connection"));
            assertTrue(http.closedByServer());
        }
        try (RawHttp http = new RawHttp(port)) {
            http.write("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertNull(http.read().header("Connection"));
            assertEquals("/b", http.get("/b").header("X-Path"));
        }
    }

    @Test
    void stoppingClosesIdleConnectionsAndRefusesNewOnes() throws Exception {
        RawHttp idle = new RawHttp(port);
        assertEquals(200, idle.get("/x").status());
        assertTrue(server.stopAccepting(5_000), "idle connections are closed at once");
        assertTrue(idle.closedByServer());
        idle.close();
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new RawHttp(port));
        assertTrue(e.getCause() instanceof ConnectException, e::toString);
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedWith503() {
        List<RawHttp> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < HttpServer.MAX_CONNECTIONS; i++) {
                RawHttp http = new RawHttp(port);
                open.add(http);
                if (i % 256 == 0) {
                    assertEquals(200, http.get("/x").status());
                }
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (server.connectionCount() < HttpServer.MAX_CONNECTIONS && System.currentTimeMillis() < deadline) {
                sleep(10);
            }
            try (RawHttp extra = new RawHttp(port)) {
                RawHttp.Response r = extra.read();
                assertEquals(503, r.status());
                assertEquals("too many connections: tpb run serves at most 1024 connections at once",
                        r.json().path("error").asText());
            }
            open.remove(0).close();
            deadline = System.currentTimeMillis() + 10_000;
            while (server.connectionCount() >= HttpServer.MAX_CONNECTIONS && System.currentTimeMillis() < deadline) {
                sleep(10);
            }
            try (RawHttp again = new RawHttp(port)) {
                assertEquals(200, again.get("/x").status(), "a freed slot serves again");
            }
        } finally {
            open.forEach(RawHttp::close);
        }
    }

    @Test
    void aPortInUseIsAClearError() throws IOException {
        TpbException e = assertThrows(TpbException.class,
                () -> HttpServer.start("127.0.0.1", port, HttpServerTest::echo, MAX_BODY));
        assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + port + ": "), e.getMessage());
        try (Socket s = new Socket("127.0.0.1", port)) {
            assertTrue(s.isConnected(), "the first server still listens");
        }
    }
}
