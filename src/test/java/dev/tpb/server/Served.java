package dev.tpb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tpb.runtime.ModelManager;
import dev.tpb.runtime.ModelStatus;
import dev.tpb.runtime.RuntimeOptions;
import dev.tpb.testing.Captured;
import dev.tpb.testing.Leftovers;
import dev.tpb.testing.Models;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A real tpb server in this JVM: a repository of test models, real stubs, real HTTP on a free port. */
final class Served implements AutoCloseable {
    final Path repo;
    final ModelManager manager;
    final ModelServer server;
    final List<ModelStatus> statuses;
    /** What the runtime reported and the stubs printed. */
    final Captured log = new Captured();

    Served(Path repo, RuntimeOptions options, long maxRequestBytes, String... models) {
        this.repo = repo;
        for (String name : models) {
            copy(repo, name);
        }
        this.manager = new ModelManager(repo, options, log, log);
        this.statuses = manager.loadAll(List.of());
        List<String> names = new ArrayList<>();
        statuses.forEach(s -> names.add(s.name()));
        this.server = ModelServer.start(manager, names, "127.0.0.1", 0, maxRequestBytes);
    }

    Served(Path repo, long maxRequestBytes, String... models) {
        this(repo, Models.options(dev.tpb.runtime.Allocator.SYSTEM, dev.tpb.runtime.ActivationMode.direct),
                maxRequestBytes, models);
    }

    /** Copies a test model: tpb's own server test models first, then the runtime's (src/test/resources/models). */
    static void copy(Path repo, String name) {
        try {
            Path own = Path.of(Served.class.getResource("/server-models").toURI()).resolve(name);
            if (Files.isDirectory(own)) {
                Models.copyTree(own, repo.resolve(name));
                return;
            }
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Models.copy(repo, name);
    }

    /** Copies a test model under another name (its directory's, and its config's name if it has one). */
    static void copyAs(Path repo, String name, String as) {
        Path staging = repo.resolve(".staging"); // hidden: not a model directory
        try {
            Files.createDirectories(staging);
            copy(staging, name);
            Files.move(staging.resolve(name), repo.resolve(as));
            Files.delete(staging);
            Path config = repo.resolve(as).resolve("config.pbtxt");
            Files.writeString(config, Files.readString(config).replaceAll("(?m)^name: \"[^\"]*\"", "name: \"" + as + "\""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return server.address().getPort();
    }

    String url() {
        return server.url();
    }

    /** Shuts down and checks nothing is left: no stub process of this JVM, no region. */
    @Override
    public void close() {
        server.close();
        long pid = ProcessHandle.current().pid();
        assertEquals(List.of(), Leftovers.stubs(pid), "stub processes left");
        assertEquals(List.of(), Leftovers.regions(pid), "shared memory regions left");
    }
}
