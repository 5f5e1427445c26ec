package io.jknife.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FlacDecoderTest {

    @TempDir
    Path dir;

    private static int[] wave(int n, int bits, double freq, int rate) {
        int[] s = new int[n];
        double full = (1L << (bits - 1)) - 1;
        for (int i = 0; i < n; i++) {
            s[i] = (int) Math.round(0.6 * full * Math.sin(2 * Math.PI * freq * i / rate));
        }
        return s;
    }

    private static byte[] flac(TinyFlacWriter w, int[][] samples) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.write(samples, out);
        return out.toByteArray();
    }

    @ParameterizedTest
    @CsvSource({
        "1, 16, VERBATIM, false", "1, 16, FIXED2, false", "1, 24, FIXED2, false", "1, 8, VERBATIM, false",
        "2, 16, FIXED2, false", "2, 16, FIXED2, true", "2, 24, VERBATIM, true", "3, 16, FIXED2, false"})
    void decodesExactSamplesAndAveragesChannels(int channels, int bits, TinyFlacWriter.Subframes kind, boolean leftSide)
            throws Exception {
        int n = 10_000; // 3 frames of 4096, the last one short
        int[][] s = new int[channels][];
        for (int c = 0; c < channels; c++) {
            s[c] = wave(n, bits, 300 + 200 * c, 16_000);
        }
        byte[] bytes = flac(new TinyFlacWriter(16_000, channels, bits, 4096, kind, leftSide), s);
        Path f = TestAudio.write(dir, "t.flac", bytes);
        assertEquals(AudioFormat.FLAC, AudioDecoder.detect(f));
        float[] out = AudioDecoder.decode16kMono(f).samples();
        assertEquals(n, out.length);
        double scale = 1.0 / (1L << (bits - 1));
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += s[c][i];
            }
            assertEquals(sum / channels * scale, out[i], 1e-6, "sample " + i);
        }
    }

    @Test
    void escapeCodedPartitionsDecodeAndJflacsDebugPrintNeverReachesStdout() throws Exception {
        int[] s = wave(6000, 16, 440, 16_000);
        Path f = TestAudio.write(dir, "esc.flac", flac(new TinyFlacWriter(16_000, 1, 16, 2048,
                TinyFlacWriter.Subframes.FIXED2_ESCAPED, false), new int[][] {s}));
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true));
        float[] out;
        try {
            out = AudioDecoder.decode16kMono(f).samples();
            System.out.println("after"); // the decoding thread's own output is back afterwards
        } finally {
            System.setOut(saved);
        }
        assertEquals("after" + System.lineSeparator(), captured.toString());
        assertEquals(s.length, out.length);
        for (int i = 0; i < s.length; i++) {
            assertEquals(s[i] / 32768.0, out[i], 1e-6);
        }
    }

    @Test
    void otherRatesAreResampled() throws Exception {
        int[] s = wave(44_100, 16, 1000, 44_100);
        Path f = TestAudio.write(dir, "r.flac", flac(new TinyFlacWriter(44_100, 2, 16, 4608,
                TinyFlacWriter.Subframes.FIXED2, true), new int[][] {s, s}));
        AudioClip clip = AudioDecoder.decode16kMono(f);
        assertEquals(16_000, clip.samples().length);
        assertEquals(0.6, TestAudio.amplitudeAt(clip.samples(), 2000, 14_000, 1000, 16_000), 0.006);
    }

    @Test
    void truncatedFlacKeepsTheWholeFramesPresent() throws Exception {
        int[] s = wave(20_000, 16, 440, 16_000);
        byte[] bytes = flac(new TinyFlacWriter(16_000, 1, 16, 1000, TinyFlacWriter.Subframes.VERBATIM, false),
                new int[][] {s});
        // header 42 bytes; each verbatim frame holds 1000 samples in a bit over 2000 bytes
        byte[] cut = Arrays.copyOf(bytes, bytes.length / 2);
        float[] out = AudioDecoder.decode16kMono(TestAudio.write(dir, "cut.flac", cut)).samples();
        assertTrue(out.length >= 8000 && out.length <= 10_000 && out.length % 1000 == 0, "samples " + out.length);
        for (int i = 0; i < out.length; i++) {
            assertEquals(s[i] / 32768.0, out[i], 1e-6);
        }
    }

    @Test
    void headerOnlyOrGarbageFramesAreClearErrors() throws Exception {
        int[] s = wave(5000, 16, 440, 16_000);
        byte[] bytes = flac(new TinyFlacWriter(16_000, 1, 16, 1000, TinyFlacWriter.Subframes.FIXED2, false),
                new int[][] {s});
        assertError(Arrays.copyOf(bytes, 42), "FLAC stream has no decodable frames: bad.flac");
        byte[] garbage = Arrays.copyOf(bytes, 42 + 30_000);
        java.util.Random r = new java.util.Random(3);
        for (int i = 42; i < garbage.length; i++) {
            garbage[i] = (byte) r.nextInt();
        }
        assertError(garbage, "FLAC stream has no decodable frames: bad.flac");
        assertError(Arrays.copyOf(bytes, 20), "corrupt FLAC file: bad.flac");
        assertError("fLaC".getBytes(), "corrupt FLAC file: bad.flac");
    }

    private void assertError(byte[] bytes, String expected) throws Exception {
        Path f = TestAudio.write(dir, "bad.flac", bytes);
        AudioException e = assertThrows(AudioException.class, () -> AudioDecoder.decode16kMono(f));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
}
