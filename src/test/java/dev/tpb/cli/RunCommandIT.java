package dev.tpb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.Reporter;
import dev.tpb.ipc.StaleRegions;
import dev.tpb.testing.Leftovers;
import dev.tpb.testing.Models;
import dev.tpb.testing.Proc;
import dev.tpb.testing.TestStubs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `tpb run` as a real process from target/tpb.jar: start-up output, clients, SIGTERM and SIGKILL clean-up. */
class RunCommandIT {
    private static final String JAR = System.getProperty("tpb.jar", "target/tpb.jar");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:(\\d+))");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** A running `tpb run`, its stdout lines and stderr text. */
    static final class Server implements AutoCloseable {
        final Process process;
        final List<String> out = new ArrayList<>();
        final StringBuilder err = new StringBuilder();
        String url;

        Server(Path repo, String... options) throws Exception {
            List<String> command = new ArrayList<>(List.of("java", "-jar", JAR, "run", repo.toString(), "--http-port", "0"));
            command.addAll(List.of(options));
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().put("TPB_CACHE_DIR", TestStubs.cacheDir().toString());
            process = pb.start();
            Thread errReader = new Thread(() -> copy(new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8)), err, null));
            errReader.setDaemon(true);
            errReader.start();
            CompletableFuture<String> listening = new CompletableFuture<>();
            Thread outReader = new Thread(() -> copy(new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8)), null, listening));
            outReader.setDaemon(true);
            outReader.start();
            try {
                url = listening.get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                process.destroyForcibly();
                throw new AssertionError("tpb run did not start listening: " + e + "\n" + stderr(), e);
            }
        }

        private void copy(BufferedReader r, StringBuilder into, CompletableFuture<String> listening) {
            try {
                for (String line; (line = r.readLine()) != null; ) {
                    if (into != null) {
                        synchronized (err) {
                            into.append(line).append('\n');
                        }
                    } else {
                        synchronized (out) {
                            out.add(line);
                        }
                        Matcher m = LISTENING.matcher(line);
                        if (m.matches()) {
                            listening.complete(m.group(1));
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            if (listening != null) {
                listening.completeExceptionally(new IOException("stdout closed"));
            }
        }

        String stderr() {
            synchronized (err) {
                return err.toString();
            }
        }

        List<String> stdout() {
            synchronized (out) {
                return List.copyOf(out);
            }
        }

        long pid() {
            return process.pid();
        }

        HttpResponse<String> send(String path, String json) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path));
            b = json == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(json.replace('\'', '"')));
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        int signal(String name) throws Exception {
            Proc kill = Proc.run("kill", "-" + name, Long.toString(pid()));
            assertEquals(0, kill.exitCode(), kill::toString);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tpb run exits after SIG" + name + "\n" + stderr());
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static void assertNothingLeft(long pid) {
        assertEquals(List.of(), Leftovers.stubs(pid), "stub processes of tpb run " + pid);
        assertEquals(List.of(), Leftovers.regions(pid), "/dev/shm regions of tpb run " + pid);
    }

    @Test
    void servesPrintsItsModelsAndShutsDownCleanlyOnSigterm(@TempDir Path repo) throws Exception {
        Models.copy(repo, "add_sub", "sleeper", "init_error");
        try (Server server = new Server(repo)) {
            assertEquals(List.of("listening on " + server.url), server.stdout(), "stdout is exactly one line");
            String err = server.stderr();
            assertTrue(err.contains("NAME        VERSION  BACKEND  PYTHON  ENVIRONMENT  INSTANCES  ALLOCATOR  STATE"), err);
            assertTrue(Pattern.compile("(?m)^add_sub +1 +python +3\\.\\d+\\.\\d+ +- +1 +system +READY$").matcher(err).find(), err);
            assertTrue(Pattern.compile("(?m)^init_error +.* UNAVAILABLE$").matcher(err).find(), err);
            // core model_lifecycle.cc: "failed to load '<model>' version <v>: <status>"
            assertTrue(err.contains("tpb: warning: failed to load 'init_error' version 1: "), err);
            assertEquals(2, Leftovers.stubs(server.pid()).size(), "one stub per loaded instance");

            HttpResponse<String> r = server.send("/v2/models/add_sub/infer", "{'inputs':["
                    + "{'name':'INPUT0','shape':[4],'datatype':'FP32','data':[1,2,3,4]},"
                    + "{'name':'INPUT1','shape':[4],'datatype':'FP32','data':[1,1,1,1]}]}");
            assertEquals(200, r.statusCode(), r::body);
            assertEquals("[2.0,3.0,4.0,5.0]", JSON.readTree(r.body()).path("outputs").get(0).path("data").toString());

            Proc infer = Proc.run("java", "-jar", JAR, "infer", "--url", server.url, "add_sub", "--input",
                    "INPUT0=[1,2,3,4]", "--input", "INPUT1=[4,3,2,1]");
            assertEquals(0, infer.exitCode(), infer::toString);
            assertEquals("OUTPUT0 FP32 [4]: [5.0,5.0,5.0,5.0]\nOUTPUT1 FP32 [4]: [-3.0,-1.0,1.0,3.0]\n", infer.out());
            Proc unknown = Proc.run("java", "-jar", JAR, "infer", "--url", server.url, "nope", "--input", "X=[1]");
            assertEquals(1, unknown.exitCode());
            assertEquals("tpb: error: [404] Request for unknown model: 'nope' is not found\n", unknown.err());

            // A request in flight when SIGTERM arrives is answered before the server stops.
            CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.send("/v2/models/sleeper/infer", "{'inputs':[{'name':'SECONDS','shape':[1],"
                            + "'datatype':'FP32','data':[1.5]}]}");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            assertEquals(0, server.signal("TERM"), server::stderr);
            HttpResponse<String> answered = slow.get(10, TimeUnit.SECONDS);
            assertEquals(200, answered.statusCode(), answered::body);
            assertTrue(server.stderr().contains("shutting down"), server::stderr);
            assertEquals(1, server.stdout().size(), "nothing else on stdout");
            assertNothingLeft(server.pid());
        }
    }

    @Test
    void explicitModelControlLoadsWhatItIsToldAndTakesLoadRequests(@TempDir Path repo) throws Exception {
        Models.copy(repo, "add_sub", "sleeper");
        try (Server server = new Server(repo, "--model-control-mode", "explicit", "--load-model", "add_sub",
                "--log-verbose", "1")) {
            assertEquals(200, server.send("/v2/models/add_sub/ready", null).statusCode());
            assertEquals(400, server.send("/v2/models/sleeper/ready", null).statusCode(), "not loaded at start");
            assertEquals(200, server.send("/v2/repository/models/sleeper/load", "").statusCode());
            assertEquals(200, server.send("/v2/models/sleeper/ready", null).statusCode());
            assertEquals(1, JSON.readTree(server.send("/v2/logging", null).body()).path("log_verbose_level").asInt());
            assertEquals(0, server.signal("TERM"), server::stderr);
            assertNothingLeft(server.pid());
        }
        Proc wrong = Proc.run("java", "-jar", JAR, "run", repo.toString(), "--load-model", "add_sub");
        assertEquals(2, wrong.exitCode(), wrong::toString);
        assertTrue(wrong.err().startsWith("tpb: error: --load-model needs --model-control-mode explicit"), wrong::toString);
        Proc star = Proc.run("java", "-jar", JAR, "run", repo.toString(), "--model-control-mode", "explicit",
                "--load-model", "*", "--load-model", "add_sub");
        assertEquals(2, star.exitCode(), star::toString);
    }

    @Test
    void sigintStopsItToo(@TempDir Path repo) throws Exception {
        Models.copy(repo, "add_sub");
        try (Server server = new Server(repo, "--model", "add_sub")) {
            assertEquals(0, server.signal("INT"), server::stderr);
            assertNothingLeft(server.pid());
        }
    }

    @Test
    void stubsExitWithinASecondOfTheLauncherBeingKilled(@TempDir Path repo) throws Exception {
        Models.copy(repo, "add_sub", "batch_size");
        try (Server server = new Server(repo)) {
            List<Long> stubs = Leftovers.stubs(server.pid());
            assertEquals(3, stubs.size(), "add_sub has one instance, batch_size two");
            assertEquals(137, server.signal("KILL"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (!Leftovers.stubs(server.pid()).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(), Leftovers.stubs(server.pid()), "stubs exit within 1 s of the launcher's death");
        } finally {
            // Regions a killed launcher could not remove are what the next tpb cleans at start; do that now.
            StaleRegions.clean(Reporter.SILENT);
        }
    }

    @Test
    void jsonLogLines(@TempDir Path repo) throws Exception {
        Models.copy(repo, "add_sub");
        try (Server server = new Server(repo, "--log-format", "json")) {
            assertEquals(0, server.signal("TERM"));
            List<JsonNode> lines = new ArrayList<>();
            for (String line : server.stderr().split("\n")) {
                lines.add(JSON.readTree(line));
            }
            assertTrue(lines.stream().allMatch(l -> l.has("time") && l.has("level") && l.has("message")), lines::toString);
            JsonNode model = lines.stream().filter(l -> l.path("name").asText().equals("add_sub")).findFirst().orElseThrow();
            assertEquals("READY", model.path("state").asText());
            assertEquals("system", model.path("allocator").asText());
            assertTrue(lines.stream().anyMatch(l -> l.path("source").asText().equals("add_sub_0_0")),
                    "the stub's own log lines are JSON too");
            assertNothingLeft(server.pid());
        }
    }

    @Test
    void badCommandLinesFailClearly(@TempDir Path repo) throws IOException {
        Proc port = Proc.run("java", "-jar", JAR, "run", repo.toString(), "--http-port", "70000");
        assertEquals(2, port.exitCode());
        assertEquals("tpb: error: --http-port must be between 0 and 65535, got 70000\n", port.err());
        Proc missing = Proc.run("java", "-jar", JAR, "run", repo.resolve("nope").toString());
        assertEquals(1, missing.exitCode());
        assertEquals("tpb: error: model repository " + repo.resolve("nope") + " is not a directory\n", missing.err());
        Proc urlAndRepo = Proc.run("java", "-jar", JAR, "infer", "--url", "http://127.0.0.1:1", repo.toString(), "m",
                "--input", "X=[1]");
        assertEquals(2, urlAndRepo.exitCode());
        assertTrue(urlAndRepo.err().startsWith("tpb: error: with --url give only MODEL"), urlAndRepo::toString);
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Models.copy(repo, "add_sub");
            Proc inUse = Proc.run(null, Map.of("TPB_CACHE_DIR", TestStubs.cacheDir().toString()), List.of("java", "-jar",
                    JAR, "run", repo.toString(), "--http-port", Integer.toString(taken.getLocalPort())), null);
            assertEquals(1, inUse.exitCode(), inUse::toString);
            assertTrue(inUse.err().contains("tpb: error: cannot listen on 127.0.0.1:" + taken.getLocalPort()), inUse::toString);
            assertFalse(inUse.out().contains("listening"), inUse::toString);
        }
    }
}
