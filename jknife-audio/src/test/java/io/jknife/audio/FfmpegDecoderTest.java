package io.jknife.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The ffmpeg path, with a fake {@code ffmpeg} script first on the (test-only) search path. */
@DisabledOnOs(OS.WINDOWS)
class FfmpegDecoderTest {

    @TempDir
    Path dir;

    private Supplier<String> saved;
    private Path bin;
    private Path ogg;

    @BeforeEach
    void setUp() throws Exception {
        saved = FfmpegDecoder.searchPath;
        bin = Files.createDirectories(dir.resolve("bin"));
        ogg = TestAudio.write(dir, "speech.ogg", "OggS\0\2fake ogg page".getBytes());
    }

    @AfterEach
    void tearDown() {
        FfmpegDecoder.searchPath = saved;
    }

    private void fakeFfmpeg(String body) throws Exception {
        Path exe = bin.resolve("ffmpeg");
        Files.writeString(exe, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        FfmpegDecoder.searchPath = () -> dir.resolve("empty") + ":" + bin + ":/bin:/usr/bin";
    }

    @Test
    void otherContainersGoThroughFfmpegAsFloatMono16k() throws Exception {
        float[] tone = TestAudio.sine(500, 16_000, 16_001, 0.5); // odd length: 64,004 bytes, several pipe reads
        ByteBuffer raw = ByteBuffer.allocate(tone.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : tone) {
            raw.putFloat(v);
        }
        Path pcm = TestAudio.write(dir, "tone.f32", raw.array());
        Path args = dir.resolve("args.txt");
        fakeFfmpeg("printf '%s\\n' \"$@\" > '" + args + "'\ncat '" + pcm + "'");

        assertEquals(AudioFormat.OTHER, AudioDecoder.detect(ogg));
        AudioClip clip = AudioDecoder.decode16kMono(ogg);
        assertEquals(16_000, clip.sampleRate());
        assertEquals(tone.length, clip.samples().length);
        for (int i = 0; i < tone.length; i++) {
            assertEquals(tone[i], clip.samples()[i], 0f);
        }
        List<String> argv = Files.readAllLines(args);
        assertTrue(argv.containsAll(List.of("-nostdin", "-f", "f32le", "-ac", "1", "-ar", "16000", "-")), argv.toString());
        assertEquals(ogg.toAbsolutePath().toString(), argv.get(argv.indexOf("-i") + 1));
    }

    @Test
    void aWavWithACodecWeDoNotReadFallsBackToFfmpeg() throws Exception {
        byte[] fmt = TestAudio.fmt(TestAudio.Encoding.S16, 1, 8000, false);
        fmt[0] = 0x11; // IMA ADPCM
        Path wav = TestAudio.write(dir, "phone.wav", new TestAudio.Riff().chunk("fmt ", fmt)
                .chunk("data", new byte[256]).bytes());
        Path pcm = TestAudio.write(dir, "one.f32", java.nio.ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(0.25f).putFloat(-0.5f).array());
        fakeFfmpeg("cat '" + pcm + "'");
        AudioClip clip = AudioDecoder.decode16kMono(wav);
        assertEquals(2, clip.samples().length);
        assertEquals(0.25f, clip.samples()[0]);
        assertEquals(-0.5f, clip.samples()[1]);
    }

    @Test
    void ffmpegFailureIsOneClearMessageWithItsLastStderrLine() throws Exception {
        fakeFfmpeg("echo 'some banner' >&2\necho 'speech.ogg: Invalid data found when processing input' >&2\nexit 1");
        AudioException e = assertThrows(AudioException.class, () -> AudioDecoder.decode16kMono(ogg));
        assertEquals("ffmpeg could not decode speech.ogg (exit 1): speech.ogg: Invalid data found when processing input",
                e.getMessage());
    }

    @Test
    void ffmpegWithoutOutputIsNoAudio() throws Exception {
        fakeFfmpeg("exit 0");
        AudioException e = assertThrows(AudioException.class, () -> AudioDecoder.decode16kMono(ogg));
        assertEquals("ffmpeg found no audio in speech.ogg", e.getMessage());
    }

    @Test
    void withoutFfmpegTheErrorNamesTheSupportedFormats() throws Exception {
        FfmpegDecoder.searchPath = () -> bin.toString(); // empty directory
        AudioException e = assertThrows(AudioException.class, () -> AudioDecoder.decode16kMono(ogg));
        assertEquals("unsupported audio format: speech.ogg is not WAV, MP3, FLAC (judged by its content);"
                + " install ffmpeg to decode other formats (OGG, M4A, WebM, ...)", e.getMessage());
        FfmpegDecoder.searchPath = () -> null;
        assertTrue(FfmpegDecoder.locate().isEmpty());
    }

    @Test
    void aNonExecutableFileNamedFfmpegIsNotUsed() throws Exception {
        Files.writeString(bin.resolve("ffmpeg"), "not a program");
        FfmpegDecoder.searchPath = () -> bin.toString();
        assertTrue(FfmpegDecoder.locate().isEmpty());
    }
}
