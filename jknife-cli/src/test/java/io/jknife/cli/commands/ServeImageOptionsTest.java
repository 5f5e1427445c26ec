package io.jknife.cli.commands;

import io.jknife.cli.Context;
import io.jknife.server.ServerConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.PrintStream;
import java.io.StringReader;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code serve}'s image settings: {@code --allow-remote-images} and the vision variables of the environment. */
class ServeImageOptionsTest {
    private static ServerConfig config(Map<String, String> env, String... args) {
        ServeCommand cmd = new ServeCommand(new Context(env, new PrintStream(PrintStream.nullOutputStream()),
                new PrintStream(PrintStream.nullOutputStream()), new BufferedReader(new StringReader("")), false));
        new CommandLine(cmd).parseArgs(args);
        return cmd.config();
    }

    @Test
    void remoteImagesAreOffUnlessTheFlagIsGiven() {
        assertFalse(config(Map.of()).allowRemoteImages());
        assertTrue(config(Map.of(), "--allow-remote-images").allowRemoteImages());
    }

    @Test
    void onlyTheVisionVariablesOfTheEnvironmentAreKept() {
        ServerConfig c = config(Map.of("JKNIFE_VISION_CHUNK_SIZE", "2", "MLXK2_EXIF_METADATA", "0", "HF_TOKEN", "secret"));
        assertEquals(Map.of("JKNIFE_VISION_CHUNK_SIZE", "2", "MLXK2_EXIF_METADATA", "0"), c.imageEnv());
        assertFalse(c.toString().contains("secret"), "the config may be logged: " + c);
    }
}
