package dev.tpb.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpb.stub.BuiltStub;
import dev.tpb.testing.TestStubs;
import dev.tpb.testing.Tpb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorTest {
    private static List<JsonNode> checks(Tpb r) throws Exception {
        List<JsonNode> list = new ArrayList<>();
        new ObjectMapper().readTree(r.out()).forEach(list::add);
        return list;
    }

    private static JsonNode find(List<JsonNode> checks, String area) {
        return checks.stream().filter(c -> c.get("area").asText().equals(area)).findFirst()
                .orElseThrow(() -> new AssertionError("no check for " + area + " in " + checks));
    }

    @Test
    void aHealthyMachineWithAWorkingStub(@TempDir Path dir) throws Exception {
        BuiltStub built = TestStubs.forVersion("3.11");
        Path backends = dir.resolve("backends");
        Files.createDirectories(backends);
        dev.tpb.testing.Models.copyTree(built.backendDir(), backends.resolve("python_3_11"));
        Tpb r = Tpb.run("doctor", "--json", "--backends-dir", backends.toString());
        assertEquals(0, r.exitCode(), r::toString);
        List<JsonNode> checks = checks(r);
        assertEquals("ok", find(checks, "java").get("status").asText());
        assertEquals("ok", find(checks, "c compiler").get("status").asText());
        assertEquals("ok", find(checks, "/dev/shm").get("status").asText());
        JsonNode stub = find(checks, "stub python_3_11");
        assertEquals("ok", stub.get("status").asText());
        assertTrue(stub.get("detail").asText().contains("python: 3.11."), stub::toString);
        assertTrue(checks.stream().anyMatch(c -> c.get("area").asText().equals("python")
                && c.get("detail").asText().contains("stub can be built")));
    }

    @Test
    void aBrokenStubFails(@TempDir Path dir) throws Exception {
        Path stub = dir.resolve("backends/python_3_99/triton_python_backend_stub");
        Files.createDirectories(stub.getParent());
        Files.writeString(stub, "#!/bin/sh\necho 'error while loading shared libraries: libpython3.99.so.1.0' >&2\nexit 127\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        Tpb r = Tpb.run("doctor", "--json", "--backends-dir", dir.resolve("backends").toString());
        assertEquals(1, r.exitCode(), r::toString);
        JsonNode check = find(checks(r), "stub python_3_99");
        assertEquals("fail", check.get("status").asText());
        assertTrue(check.get("detail").asText().contains("libpython3.99.so.1.0"), check::toString);
    }
}
