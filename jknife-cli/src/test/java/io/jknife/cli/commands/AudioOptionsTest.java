package io.jknife.cli.commands;

import io.jknife.cli.Context;
import io.jknife.whisper.format.ResponseFormat;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.PrintStream;
import java.io.StringReader;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code run}'s audio options as picocli parses them. */
class AudioOptionsTest {
    private static RunCommand parse(String... args) {
        RunCommand cmd = new RunCommand(new Context(Map.of(), new PrintStream(PrintStream.nullOutputStream()),
                new PrintStream(PrintStream.nullOutputStream()), new BufferedReader(new StringReader("")), false));
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void temperatureDefaultsToZeroForAudioButTakesTheGivenValue() {
        assertEquals(0.0, parse("m", "--audio", "a.wav").audio.temperature());
        assertEquals(0.3, parse("m", "--audio", "a.wav", "--temperature", "0.3").audio.temperature(), 1e-9);
    }

    @Test
    void optionsAreRead() {
        RunCommand c = parse("m", "--audio", "a.wav", "--language", "de", "--translate", "--prompt", "names", "--format", "srt");
        assertTrue(c.audio.requested());
        assertEquals("de", c.audio.language);
        assertTrue(c.audio.translate);
        assertEquals("names", c.audio.prompt);
        assertEquals(ResponseFormat.SRT, c.audio.responseFormat());
        assertEquals(ResponseFormat.TEXT, parse("m", "--audio", "a.wav").audio.responseFormat());
    }
}
