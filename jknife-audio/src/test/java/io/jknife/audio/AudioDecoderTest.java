package io.jknife.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioDecoderTest {

    @TempDir
    Path dir;

    private Supplier<String> savedPath;

    @BeforeEach
    void noFfmpeg() {
        savedPath = FfmpegDecoder.searchPath;
        FfmpegDecoder.searchPath = () -> dir.resolve("no-such-bin").toString();
    }

    @AfterEach
    void restore() {
        FfmpegDecoder.searchPath = savedPath;
    }

    private byte[] flacBytes() throws Exception {
        int[] s = new int[9000];
        for (int i = 0; i < s.length; i++) {
            s[i] = (int) (10_000 * Math.sin(i * 0.05));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TinyFlacWriter(16_000, 2, 16, 1152, TinyFlacWriter.Subframes.FIXED2, true).write(new int[][] {s, s}, out);
        return out.toByteArray();
    }

    @Test
    void detectionUsesTheContentNotTheName() throws Exception {
        byte[] wav = Files.readAllBytes(TestAudio.fixture("librispeech-a-man-said.wav"));
        byte[] mp3 = Files.readAllBytes(TestAudio.fixture("librispeech-a-man-said.mp3"));
        assertEquals(AudioFormat.WAV, AudioDecoder.detect(TestAudio.write(dir, "speech.mp3", wav)));
        assertEquals(AudioFormat.MP3, AudioDecoder.detect(TestAudio.write(dir, "speech.wav", mp3)));
        assertEquals(AudioFormat.MP3, AudioDecoder.detect(TestAudio.write(dir, "frames", Mp3Frames.audioFrames(mp3))));
        assertEquals(AudioFormat.FLAC, AudioDecoder.detect(TestAudio.write(dir, "x.ogg", flacBytes())));
        byte[] id3Flac = new byte[10 + 20 + 4];
        System.arraycopy("ID3\4\0\0\0\0\0\24".getBytes(), 0, id3Flac, 0, 10);
        System.arraycopy("fLaC".getBytes(), 0, id3Flac, 30, 4);
        assertEquals(AudioFormat.FLAC, AudioDecoder.detect(TestAudio.write(dir, "tagged.flac", id3Flac)));
        byte[] id3Aac = new byte[10 + 20 + 4];
        System.arraycopy(id3Flac, 0, id3Aac, 0, 30);
        id3Aac[30] = (byte) 0xFF;
        id3Aac[31] = (byte) 0xF1;
        assertEquals(AudioFormat.OTHER, AudioDecoder.detect(TestAudio.write(dir, "tagged.aac", id3Aac)));
        assertEquals(AudioFormat.OTHER, AudioDecoder.detect(TestAudio.write(dir, "a.ogg", "OggS\0\2".getBytes())));
        assertEquals(AudioFormat.OTHER, AudioDecoder.detect(TestAudio.write(dir, "a.m4a",
                new byte[] {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'M', '4', 'A', ' '})));
        assertEquals(AudioFormat.OTHER, AudioDecoder.detect(TestAudio.write(dir, "a.aac",
                new byte[] {(byte) 0xFF, (byte) 0xF1, 0x50, (byte) 0x80, 0, 0})));
        assertEquals(AudioFormat.OTHER, AudioDecoder.detect(TestAudio.write(dir, "short", new byte[] {1})));
        // a misnamed file decodes by what it is
        assertEquals(74_400, AudioDecoder.decode16kMono(dir.resolve("speech.mp3")).samples().length);
    }

    @Test
    void missingEmptyAndDirectoryAreClearErrors() throws Exception {
        assertMessage(dir.resolve("nope.wav"), "audio file not found: " + dir.resolve("nope.wav"));
        Path empty = TestAudio.write(dir, "empty.mp3", new byte[0]);
        assertMessage(empty, "audio file is empty: " + empty);
        assertMessage(dir, "not an audio file: " + dir + " is a directory");
        Path text = TestAudio.write(dir, "notes.txt", "hello".getBytes());
        assertTrue(message(text).startsWith("unsupported audio format: notes.txt is not WAV, MP3, FLAC"));
    }

    @Test
    void decodeMonoKeepsTheSourceRateAndResampleMatchesTheStreamingPath() throws Exception {
        float[] s = TestAudio.sine(600, 44_100, 44_100, 0.4);
        Path f = TestAudio.write(dir, "a.wav", TestAudio.wav(s, TestAudio.Encoding.F32, 1, 44_100));
        AudioClip mono = AudioDecoder.decodeMono(f);
        assertEquals(44_100, mono.sampleRate());
        assertEquals(44_100, mono.samples().length);
        AudioClip resampled = AudioDecoder.resample(mono, AudioDecoder.WHISPER_RATE);
        AudioClip streamed = AudioDecoder.decode16kMono(f);
        assertEquals(16_000, resampled.sampleRate());
        assertTrue(Arrays.equals(streamed.samples(), resampled.samples()));
        assertEquals(1.0, streamed.seconds(), 1e-9);
    }

    /** Truncations and corruptions of every format: a clip or one AudioException, quickly, never anything else. */
    @Test
    void truncatedAndCorruptFilesNeverHangOrThrowAnythingElse() throws Exception {
        byte[] wav = Files.readAllBytes(TestAudio.fixture("librispeech-a-man-said.wav"));
        byte[] mp3 = Files.readAllBytes(TestAudio.fixture("librispeech-a-man-said.mp3"));
        byte[] flac = flacBytes();
        Random random = new Random(42);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (byte[] original : new byte[][] {wav, mp3, flac}) {
                for (int cut = 1; cut < 300; cut += 1) {
                    check(Arrays.copyOf(original, cut));
                }
                for (int i = 0; i < 30; i++) {
                    check(Arrays.copyOf(original, 300 + random.nextInt(original.length - 300)));
                }
                for (int i = 0; i < 30; i++) {
                    byte[] corrupt = original.clone();
                    int flips = 1 + random.nextInt(200);
                    for (int k = 0; k < flips; k++) {
                        corrupt[random.nextInt(corrupt.length)] = (byte) random.nextInt();
                    }
                    check(corrupt);
                }
                // valid start, then pure noise
                for (int keep : new int[] {44, 300, 2000}) {
                    byte[] b = Arrays.copyOf(original, 40_000);
                    for (int k = Math.min(keep, original.length); k < b.length; k++) {
                        b[k] = (byte) random.nextInt();
                    }
                    check(b);
                }
            }
            for (String magic : new String[] {"RIFF\0\0\0\0WAVE", "RIFF\0\0\0\0WAVEfmt ", "ID3", "\u00FF\u00FB\u0090\u0064",
                    "\u00FF\u00F3\u0058\u00C0", "fLaC", "fLaC\u0080\0\0\""}) {
                for (int i = 0; i < 10; i++) {
                    byte[] b = new byte[100 + random.nextInt(50_000)];
                    random.nextBytes(b);
                    for (int k = 0; k < magic.length(); k++) {
                        b[k] = (byte) magic.charAt(k);
                    }
                    check(b);
                }
            }
        });
    }

    private void check(byte[] bytes) throws Exception {
        Path f = TestAudio.write(dir, "fuzz.bin", bytes);
        try {
            AudioClip clip = AudioDecoder.decode16kMono(f);
            assertTrue(clip.samples().length > 0);
            for (float v : clip.samples()) {
                if (!(v >= -1 && v <= 1)) {
                    fail("sample out of range: " + v);
                }
            }
        } catch (AudioException e) {
            String m = e.getMessage();
            assertTrue(m != null && !m.isBlank() && !m.contains("\n"), "one-line message: " + m);
        }
    }

    private static String message(Path f) {
        return assertThrows(AudioException.class, () -> AudioDecoder.decode16kMono(f)).getMessage();
    }

    private static void assertMessage(Path f, String expected) {
        assertEquals(expected, message(f));
    }
}
