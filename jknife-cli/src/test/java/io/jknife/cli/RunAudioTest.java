package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import io.jknife.testkit.TinyWhisper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife run MODEL --audio FILE} end to end with tiny generated whisper models and the real engine. */
class RunAudioTest {
    private static final Pattern SRT = Pattern.compile(
            "(\\d+\\n\\d{2}:\\d{2}:\\d{2},\\d{3} --> \\d{2}:\\d{2}:\\d{2},\\d{3}\\n[^\\n]+(\\n[^\\n]+)*\\n\\n)*");
    private static final Pattern VTT = Pattern.compile(
            "WEBVTT\\n\\n(\\d{2}:\\d{2}:\\d{2}\\.\\d{3} --> \\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\n[^\\n]+(\\n[^\\n]+)*\\n\\n)*");

    @TempDir
    static Path tmp;
    static Path hf;
    static Path wav;

    @BeforeAll
    static void cache() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        cache.repo("org/whisper").file("ggml-tiny.bin", TinyWhisper.write(tmp.resolve("w.bin")));
        cache.repo("org/whisper-en").file("ggml-tiny.en.bin",
                TinyWhisper.write(tmp.resolve("en.bin"), TinyWhisper.Options.defaults().withMultilingual(false)));
        cache.repo("org/whisper-distil").file("ggml-distil.bin",
                TinyWhisper.write(tmp.resolve("d.bin"), TinyWhisper.Options.defaults().withDims(16, 2, 4, 2)));
        cache.repo("org/whisper-f32conv").file("ggml-bad.bin",
                TinyWhisper.write(tmp.resolve("bad.bin"), TinyWhisper.Options.defaults().withConvF32()));
        cache.repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults()));
        wav = TestWav.tone(tmp.resolve("tone.wav"), 6, 22_050);
    }

    private Cli cli() {
        return new Cli(hf);
    }

    @Test
    void everyFormatPrints() throws Exception {
        Cli.Result text = cli().run("run", "org/whisper", "--audio", wav.toString(), "--language", "de");
        assertEquals(0, text.exitCode(), text.toString());
        assertTrue(text.out().endsWith("\n"));

        Cli.Result json = cli().run("run", "org/whisper", "--audio", wav.toString(), "--language", "de", "--format", "json");
        assertEquals(0, json.exitCode(), json.toString());
        JsonNode j = new ObjectMapper().readTree(json.out());
        assertEquals(text.out().strip(), j.get("text").asText());

        Cli.Result verbose = cli().run("run", "org/whisper", "--audio", wav.toString(), "--language", "de", "--format", "verbose_json");
        JsonNode v = new ObjectMapper().readTree(verbose.out());
        assertEquals("transcribe", v.get("task").asText());
        assertEquals("de", v.get("language").asText());
        assertEquals(6.0, v.get("duration").asDouble(), 0.01);
        assertTrue(v.get("segments").isArray() && !v.get("segments").isEmpty(), verbose.out());
        for (JsonNode s : v.get("segments")) {
            assertTrue(s.get("start").asDouble() >= 0 && s.get("end").asDouble() <= 6.0 && s.get("end").asDouble() >= s.get("start").asDouble());
        }

        Cli.Result srt = cli().run("run", "org/whisper", "--audio", wav.toString(), "--language", "de", "--format", "srt");
        assertEquals(0, srt.exitCode(), srt.toString());
        assertTrue(SRT.matcher(srt.out()).matches(), srt.out());
        assertTrue(srt.out().startsWith("1\n00:00:"), srt.out());

        Cli.Result vtt = cli().run("run", "org/whisper", "--audio", wav.toString(), "--language", "de", "--format", "VTT");
        assertEquals(0, vtt.exitCode(), vtt.toString());
        assertTrue(VTT.matcher(vtt.out()).matches(), vtt.out());
    }

    @Test
    void jsonEnvelopeFollowsTheSchema() {
        Cli.Result r = cli().run("run", "org/whisper", "--audio", wav.toString(), "--translate", "--format", "srt", "--json");
        assertEquals(0, r.exitCode(), r.toString());
        SchemaValidator.assertValid(r.json());
        JsonNode d = r.data();
        assertEquals("translate", d.get("task").asText());
        assertEquals("unknown", d.get("language").asText(), "auto-detected language is never invented");
        assertEquals("srt", d.get("format").asText());
        assertTrue(SRT.matcher(d.get("formatted").asText()).matches());
        assertTrue(d.get("real_time_factor").asDouble() > 0);
    }

    @Test
    void translateIsRefusedBeforeLoadingWhereTheModelCannot() {
        Cli.Result en = cli().run("run", "org/whisper-en", "--audio", wav.toString(), "--translate", "--json");
        assertEquals(1, en.exitCode());
        SchemaValidator.assertValid(en.json());
        assertTrue(en.json().get("error").get("message").asText().contains("English-only"), en.toString());
        Cli.Result distil = cli().run("run", "org/whisper-distil", "--audio", wav.toString(), "--translate");
        assertEquals(1, distil.exitCode());
        assertTrue(distil.err().contains("distilled"), distil.toString());
        Cli.Result lang = cli().run("run", "org/whisper-en", "--audio", wav.toString(), "--language", "fr");
        assertEquals(1, lang.exitCode());
        assertTrue(lang.err().contains("English-only"), lang.toString());
        Cli.Result unknown = cli().run("run", "org/whisper", "--audio", wav.toString(), "--language", "klingon");
        assertTrue(unknown.err().contains("unknown language 'klingon'"), unknown.toString());
    }

    @Test
    void nonSpeechAndHazardModelsAreRefused() {
        Cli.Result text = cli().run("run", "org/tiny-GGUF", "--audio", wav.toString());
        assertEquals(1, text.exitCode());
        assertTrue(text.err().contains("not a speech-to-text model"), text.toString());
        Cli.Result bad = cli().run("run", "org/whisper-f32conv", "--audio", wav.toString());
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("f32") && bad.err().contains("not compatible"), bad.toString());
    }

    @Test
    void nativeOutputNeverReachesStdoutOrStderr() throws Exception {
        // a real process: whisper.cpp writes through C stdio, which an in-process capture would not see
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(javaBin.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.jknife.cli.Main",
                "run", "org/whisper", "--audio", wav.toString(), "--language", "de", "--format", "json");
        pb.environment().put("HF_HOME", hf.toString());
        Path out = tmp.resolve("stdout.txt");
        Path err = tmp.resolve("stderr.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "finished");
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        assertEquals(0, p.exitValue(), stdout + stderr);
        assertEquals(1, stdout.lines().count(), stdout);
        assertTrue(new ObjectMapper().readTree(stdout).has("text"), stdout);
        assertEquals("", stderr, "no native log, no progress, no JVM warning");
    }

    @Test
    void badInputGetsOneClearError() throws Exception {
        Path corrupt = Files.write(tmp.resolve("corrupt.wav"), "RIFF\0\0\0\0WAVEjunkjunk".getBytes());
        Cli.Result c = cli().run("run", "org/whisper", "--audio", corrupt.toString());
        assertEquals(1, c.exitCode());
        assertTrue(c.err().startsWith("run: Error: Cannot read corrupt.wav: "), c.toString());
        assertFalse(c.err().contains("Exception"), c.toString());

        Cli.Result missing = cli().run("run", "org/whisper", "--audio", tmp.resolve("nope.wav").toString());
        assertTrue(missing.err().contains("Audio file not found"), missing.toString());
        Cli.Result format = cli().run("run", "org/whisper", "--audio", wav.toString(), "--format", "docx");
        assertTrue(format.err().contains("Unknown --format 'docx'"), format.toString());
        Cli.Result words = cli().run("run", "org/whisper", "hello", "--audio", wav.toString());
        assertTrue(words.err().contains("--prompt"), words.toString());
        Cli.Result stray = cli().run("run", "org/tiny-GGUF", "hi", "--translate");
        assertEquals(1, stray.exitCode());
        assertTrue(stray.err().contains("--translate only apply with --audio"), stray.toString());
        Cli.Result temp = cli().run("run", "org/whisper", "--audio", wav.toString(), "--temperature", "3");
        assertTrue(temp.err().contains("temperature"), temp.toString());
    }
}
