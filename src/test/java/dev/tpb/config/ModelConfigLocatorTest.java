package dev.tpb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tpb.TpbException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigLocatorTest {
    @Test
    void findsTheConfigOfAModelDirectoryOrTakesTheFile(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("config.pbtxt"), "");
        assertEquals(config, ModelConfigLocator.find(dir));
        assertEquals(config, ModelConfigLocator.find(config));
        assertEquals(dir.toAbsolutePath(), ModelConfigLocator.modelDirectory(config));
    }

    @Test
    void saysWhichDirectoryWasSearched(@TempDir Path dir) throws Exception {
        TpbException e = assertThrows(TpbException.class, () -> ModelConfigLocator.find(dir));
        assertEquals("no config.pbtxt in " + dir + ": looked for " + dir.resolve("config.pbtxt"), e.getMessage());
        Files.createDirectories(dir.resolve("configs"));
        Path named = Files.writeString(dir.resolve("configs/h100.pbtxt"), "");
        e = assertThrows(TpbException.class, () -> ModelConfigLocator.find(dir));
        assertEquals("no config.pbtxt in " + dir + ": looked for " + dir.resolve("config.pbtxt")
                + " (it has configs/h100.pbtxt; pass that file instead)", e.getMessage());
        assertEquals(dir.toAbsolutePath(), ModelConfigLocator.modelDirectory(named));
        assertEquals("no such file or directory: " + dir.resolve("nope"),
                assertThrows(TpbException.class, () -> ModelConfigLocator.find(dir.resolve("nope"))).getMessage());
    }
}
