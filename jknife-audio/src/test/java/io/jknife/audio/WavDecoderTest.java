package io.jknife.audio;

import static io.jknife.audio.TestAudio.Encoding;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WavDecoderTest {

    @TempDir
    Path dir;

    private java.util.function.Supplier<String> savedPath;

    @org.junit.jupiter.api.BeforeEach
    void noFfmpeg() {
        savedPath = FfmpegDecoder.searchPath;
        FfmpegDecoder.searchPath = () -> dir.resolve("no-such-bin").toString();
    }

    @org.junit.jupiter.api.AfterEach
    void restore() {
        FfmpegDecoder.searchPath = savedPath;
    }

    /** A ramp over [-0.9, 0.9] at 16 kHz, so decoding is compared without resampling. */
    private static float[] ramp(int n) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = -0.9f + 1.8f * i / (n - 1);
        }
        return s;
    }

    private static double tolerance(Encoding enc) {
        return switch (enc) {
            case U8 -> 2.0 / 128; // one step, plus the writer scaling by 127
            case S16 -> 1e-4;
            default -> 1e-6;
        };
    }

    private static void assertClose(float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, "sample " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void everySampleEncodingDecodesMono(Encoding enc) throws Exception {
        float[] s = ramp(3000);
        Path f = TestAudio.write(dir, "a.wav", TestAudio.wav(s, enc, 1, 16_000));
        AudioClip clip = AudioDecoder.decode16kMono(f);
        assertEquals(16_000, clip.sampleRate());
        assertClose(s, clip.samples(), tolerance(enc));
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void extensibleFormatAndStereoDownmixAverageTheChannels(Encoding enc) throws Exception {
        float[] left = ramp(2000);
        float[] right = new float[2000];
        Arrays.fill(right, 0.5f);
        byte[] bytes = new TestAudio.Riff()
                .chunk("fmt ", TestAudio.fmt(enc, 2, 16_000, true))
                .chunk("data", TestAudio.pcm(TestAudio.interleave(left, right), enc)).bytes();
        AudioClip clip = AudioDecoder.decode16kMono(TestAudio.write(dir, "x.wav", bytes));
        float[] expected = new float[2000];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (left[i] + right[i]) / 2;
        }
        assertClose(expected, clip.samples(), tolerance(enc));
    }

    @Test
    void sixChannelsAreAveraged() throws Exception {
        float[][] ch = new float[6][1000];
        for (int c = 0; c < 6; c++) {
            Arrays.fill(ch[c], (c - 2) * 0.1f); // -0.2 .. 0.3, mean 0.05
        }
        Path f = TestAudio.write(dir, "6ch.wav", TestAudio.wav(TestAudio.interleave(ch), Encoding.F32, 6, 16_000));
        float[] out = AudioDecoder.decode16kMono(f).samples();
        assertEquals(1000, out.length);
        for (float v : out) {
            assertEquals(0.05f, v, 1e-6);
        }
    }

    @Test
    void unknownChunksAndOddPaddingAreSkipped() throws Exception {
        float[] s = ramp(500);
        byte[] bytes = new TestAudio.Riff()
                .chunk("JUNK", new byte[7]) // odd: one pad byte follows
                .chunk("fmt ", TestAudio.fmt(Encoding.S16, 1, 16_000, false))
                .chunk("LIST", "INFOISFT\u0005\0\0\0Lavf\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))
                .chunk("fact", new byte[] {1, 2, 3})
                .chunk("data", TestAudio.pcm(s, Encoding.S16))
                .chunk("cue ", new byte[] {9, 9, 9, 9}) // after data: must not be read as samples
                .bytes();
        assertClose(s, AudioDecoder.decode16kMono(TestAudio.write(dir, "c.wav", bytes)).samples(), 1e-4);
    }

    @Test
    void oddSizedDataChunkWith8BitSamples() throws Exception {
        float[] s = ramp(501);
        byte[] bytes = new TestAudio.Riff()
                .chunk("fmt ", TestAudio.fmt(Encoding.U8, 1, 16_000, false))
                .chunk("data", TestAudio.pcm(s, Encoding.U8))
                .chunk("LIST", new byte[12]).bytes();
        assertClose(s, AudioDecoder.decode16kMono(TestAudio.write(dir, "o.wav", bytes)).samples(), 2.0 / 128);
    }

    @Test
    void streamingWritersDataSizeZeroOrAllOnesMeansToTheEnd() throws Exception {
        float[] s = ramp(800);
        for (long declared : new long[] {0, 0xFFFFFFFFL}) {
            byte[] bytes = new TestAudio.Riff()
                    .chunk("fmt ", TestAudio.fmt(Encoding.S16, 1, 16_000, false))
                    .chunk("data", TestAudio.pcm(s, Encoding.S16), declared).bytes();
            AudioClip clip = AudioDecoder.decode16kMono(TestAudio.write(dir, "s" + declared + ".wav", bytes));
            assertClose(s, clip.samples(), 1e-4);
        }
    }

    @Test
    void truncatedDataKeepsTheSamplesPresentAndDropsAPartialFrame() throws Exception {
        float[] s = ramp(1000);
        byte[] full = TestAudio.wav(TestAudio.interleave(s, s), Encoding.S24, 2, 16_000);
        // cut in the middle of a frame (6 bytes each): 44 header + 400 frames + 4 bytes
        byte[] cut = Arrays.copyOf(full, 44 + 400 * 6 + 4);
        float[] out = AudioDecoder.decode16kMono(TestAudio.write(dir, "t.wav", cut)).samples();
        assertClose(Arrays.copyOf(s, 400), out, 1e-6);
    }

    @Test
    void otherRatesAreResampledTo16k() throws Exception {
        float[] s = TestAudio.sine(440, 44_100, 44_100, 0.5);
        Path f = TestAudio.write(dir, "r.wav", TestAudio.wav(TestAudio.interleave(s, s), Encoding.S16, 2, 44_100));
        AudioClip clip = AudioDecoder.decode16kMono(f);
        assertEquals(16_000, clip.samples().length);
        assertEquals(1.0, clip.seconds(), 1e-9);
        assertEquals(0.5, TestAudio.amplitudeAt(clip.samples(), 2000, 14_000, 440, 16_000), 0.01);
    }

    @Test
    void rf64WithDs64DataSize() throws Exception {
        float[] s = ramp(300);
        byte[] pcm = TestAudio.pcm(s, Encoding.S16);
        byte[] ds64 = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0).putLong(pcm.length).putLong(s.length).putInt(0).array();
        byte[] bytes = new TestAudio.Riff().chunk("ds64", ds64)
                .chunk("fmt ", TestAudio.fmt(Encoding.S16, 1, 16_000, false))
                .chunk("data", pcm, 0xFFFFFFFFL).chunk("LIST", new byte[10]).bytes();
        bytes[0] = 'R';
        bytes[1] = 'F';
        bytes[2] = '6';
        bytes[3] = '4';
        assertClose(s, AudioDecoder.decode16kMono(TestAudio.write(dir, "rf.wav", bytes)).samples(), 1e-4);
    }

    @Test
    void floatSamplesOutsideTheRangeAreClampedAndNonFiniteZeroed() throws Exception {
        float[] s = {2f, -3f, Float.NaN, Float.POSITIVE_INFINITY, 0.25f};
        Path f = TestAudio.write(dir, "f.wav", TestAudio.wav(s, Encoding.F32, 1, 16_000));
        assertArrayEquals(new float[] {1f, -1f, 0f, 0f, 0.25f}, AudioDecoder.decode16kMono(f).samples());
    }

    @Test
    void headerProblemsAreClearErrors() throws Exception {
        byte[] fmt = TestAudio.fmt(Encoding.S16, 1, 16_000, false);
        byte[] pcm = TestAudio.pcm(ramp(10), Encoding.S16);
        assertMessage("WAV file has no fmt chunk", new TestAudio.Riff().chunk("LIST", new byte[4]).bytes());
        assertMessage("WAV file has no data chunk", new TestAudio.Riff().chunk("fmt ", fmt).bytes());
        assertMessage("WAV data chunk comes before its fmt chunk",
                new TestAudio.Riff().chunk("data", pcm).chunk("fmt ", fmt).bytes());
        assertMessage("audio file has no samples", new TestAudio.Riff().chunk("fmt ", fmt).chunk("data", new byte[0]).bytes());
        assertMessage("WAV fmt chunk is truncated", new TestAudio.Riff().chunk("fmt ", new byte[8]).chunk("data", pcm).bytes());

        byte[] adpcm = fmt.clone();
        adpcm[0] = 2;
        assertMessage("WAV encoding 0x0002 (MS ADPCM) is not supported; supported: PCM 8/16/24/32-bit integer,"
                + " 32/64-bit float, A-law and mu-law; install ffmpeg to decode it",
                new TestAudio.Riff().chunk("fmt ", adpcm).chunk("data", pcm).bytes());
        byte[] noChannels = fmt.clone();
        noChannels[2] = 0;
        assertMessage("WAV file declares 0 channels", new TestAudio.Riff().chunk("fmt ", noChannels).chunk("data", pcm).bytes());
        byte[] noRate = fmt.clone();
        Arrays.fill(noRate, 4, 8, (byte) 0);
        assertMessage("invalid sample rate", new TestAudio.Riff().chunk("fmt ", noRate).chunk("data", pcm).bytes());
        byte[] hugeRate = fmt.clone();
        ByteBuffer.wrap(hugeRate).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 100_000_000);
        assertMessage("unsupported sample rate: 100000000 Hz",
                new TestAudio.Riff().chunk("fmt ", hugeRate).chunk("data", pcm).bytes());
        byte[] twelveBytes = fmt.clone();
        twelveBytes[12] = 5; // block align 5 for 1 channel: 40-bit PCM
        twelveBytes[14] = 40;
        assertMessage("WAV PCM with 40 bits per sample is not supported",
                new TestAudio.Riff().chunk("fmt ", twelveBytes).chunk("data", pcm).bytes());
    }

    @Test
    void g711ALawAndMuLawAreDecoded() throws Exception {
        // code points with known linear values (ITU-T G.711 tables)
        assertEquals(0, WavDecoder.mulaw((byte) 0xFF));
        assertEquals(32124, WavDecoder.mulaw((byte) 0x80));
        assertEquals(-32124, WavDecoder.mulaw((byte) 0x00));
        assertEquals(-8, WavDecoder.mulaw((byte) 0x7E));
        assertEquals(8, WavDecoder.alaw((byte) 0xD5));
        assertEquals(-8, WavDecoder.alaw((byte) 0x55));
        assertEquals(32256, WavDecoder.alaw((byte) 0xAA));
        assertEquals(-32256, WavDecoder.alaw((byte) 0x2A));
        for (int tag : new int[] {6, 7}) {
            byte[] fmt = TestAudio.fmt(Encoding.U8, 2, 8000, false);
            fmt[0] = (byte) tag;
            byte[] data = tag == 6 ? new byte[] {(byte) 0xAA, (byte) 0xD5, 0x2A, 0x2A} : new byte[] {(byte) 0x80, (byte) 0xFF, 0, 0};
            byte[] bytes = new TestAudio.Riff().chunk("fmt ", fmt).chunk("data", data).bytes();
            AudioClip clip = AudioDecoder.decodeMono(TestAudio.write(dir, "g711.wav", bytes));
            assertEquals(8000, clip.sampleRate());
            double full = tag == 6 ? 32256 : 32124;
            double small = tag == 6 ? 8 : 0;
            assertEquals((full + small) / 2 / 32768, clip.samples()[0], 1e-6);
            assertEquals(-full / 32768, clip.samples()[1], 1e-6);
        }
    }

    @Test
    void notAWavWhenTheWaveMarkerIsMissing() throws Exception {
        byte[] bytes = TestAudio.wav(ramp(10), Encoding.S16, 1, 16_000);
        bytes[8] = 'A';
        bytes[9] = 'V';
        bytes[10] = 'I';
        bytes[11] = ' ';
        // RIFF/AVI is not WAV: it goes to the "other formats" path
        assertEquals(AudioFormat.OTHER, AudioDecoder.detect(TestAudio.write(dir, "v.wav", bytes)));
        AudioException e = assertThrows(AudioException.class, () -> new WavDecoder().decode(dir.resolve("v.wav"),
                new ClipBuilder(16_000)));
        assertTrue(e.getMessage().startsWith("not a WAV file: v.wav"), e.getMessage());
    }

    private void assertMessage(String expected, byte[] bytes) throws Exception {
        Path f = TestAudio.write(dir, "bad.wav", bytes);
        AudioException e = assertThrows(AudioException.class, () -> AudioDecoder.decode16kMono(f));
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }
}
