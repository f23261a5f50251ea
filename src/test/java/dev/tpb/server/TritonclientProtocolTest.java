package dev.tpb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpb.testing.Proc;
import dev.tpb.testing.Pythons;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client written with the Python standard library that speaks exactly as tritonclient.http does (binary tensor
 * data, headers, compression, response walking) runs its checks against a real tpb server, on the oldest and the
 * newest Python.
 */
class TritonclientProtocolTest {
    @org.junit.jupiter.api.io.TempDir
    static Path repo;
    static Served served;

    @BeforeAll
    static void start() {
        served = new Served(repo, 64 << 20, "add_sub", "string_identity", "response_parameters", "error_code");
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    @ParameterizedTest(name = "Python {0}")
    @ValueSource(strings = {"3.8", "3.13"})
    void standardLibraryClientLikeTritonclient(String version) throws URISyntaxException {
        Path script = Path.of(getClass().getResource("/tritonclient_like.py").toURI());
        String python = Pythons.get(version).executable().toString();
        Proc p = Proc.run(List.of(python, script.toString(), "127.0.0.1:" + served.port()));
        assertEquals(0, p.exitCode(), p::toString);
        assertEquals("ok 21 checks", p.out().strip(), p::toString);
    }
}
