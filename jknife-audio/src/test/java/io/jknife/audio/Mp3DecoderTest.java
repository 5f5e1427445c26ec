package io.jknife.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Mp3DecoderTest {

    @TempDir
    Path dir;

    /** The lag (in samples, MP3 relative to WAV) with the highest normalised correlation, and that correlation. */
    static double[] bestAlignment(float[] a, float[] b, int maxLag) {
        double best = -2;
        int bestLag = 0;
        for (int lag = -maxLag; lag <= maxLag; lag++) {
            double ab = 0;
            double aa = 0;
            double bb = 0;
            for (int i = Math.max(0, -lag); i < a.length && i + lag < b.length; i++) {
                double x = a[i];
                double y = b[i + lag];
                ab += x * y;
                aa += x * x;
                bb += y * y;
            }
            double c = ab / Math.sqrt(aa * bb);
            if (c > best) {
                best = c;
                bestLag = lag;
            }
        }
        return new double[] {bestLag, best};
    }

    @ParameterizedTest
    @ValueSource(strings = {"librispeech-a-man-said", "librispeech-royal-cavern"})
    void mp3AndWavOfTheSameSpeechAgree(String name) throws Exception {
        Path wav = TestAudio.fixture(name + ".wav");
        Path mp3 = TestAudio.fixture(name + ".mp3");
        assertEquals(AudioFormat.MP3, AudioDecoder.detect(mp3));
        AudioClip a = AudioDecoder.decode16kMono(wav);
        AudioClip b = AudioDecoder.decode16kMono(mp3);
        assertEquals(16_000, b.sampleRate());
        // same duration within one MP3 frame (576 samples at 16 kHz); with the LAME tag trimmed, exactly
        assertTrue(Math.abs(a.samples().length - b.samples().length) <= 576,
                a.samples().length + " vs " + b.samples().length);
        assertEquals(a.samples().length, b.samples().length, "gapless trim from the LAME tag");
        double[] align = bestAlignment(a.samples(), b.samples(), 1200);
        assertTrue(align[1] > 0.95, "correlation " + align[1] + " at lag " + align[0]);
        assertEquals(0, align[0], 1, "no residual delay after trimming encoder and decoder delay");
        double gain = TestAudio.rms(b.samples(), 0, b.samples().length) / TestAudio.rms(a.samples(), 0, a.samples().length);
        assertEquals(1.0, gain, 0.05, "same level");
    }

    @Test
    void withoutTheXingFrameTheAudioIsStillDecodedWithTheEncoderDelayKept() throws Exception {
        byte[] mp3 = Files.readAllBytes(TestAudio.fixture("librispeech-a-man-said.mp3"));
        byte[] frames = Mp3Frames.audioFrames(mp3);
        AudioClip clip = AudioDecoder.decode16kMono(TestAudio.write(dir, "raw.mp3", frames));
        assertEquals(132 * 576, clip.samples().length); // every audio frame, nothing trimmed
        AudioClip wav = AudioDecoder.decode16kMono(TestAudio.fixture("librispeech-a-man-said.wav"));
        double[] align = bestAlignment(wav.samples(), clip.samples(), 1500);
        assertEquals(576 + Mp3Gapless.DECODER_DELAY, align[0], 1, "encoder + decoder delay");
        assertTrue(align[1] > 0.95);
    }

    @Test
    void concurrentDecodesGiveIdenticalResults() throws Exception {
        Path mp3 = TestAudio.fixture("librispeech-a-man-said.mp3");
        Path flac = TestAudio.write(dir, "c.flac", flacOf(AudioDecoder.decode16kMono(mp3).samples()));
        float[] expectedMp3 = AudioDecoder.decode16kMono(mp3).samples();
        float[] expectedFlac = AudioDecoder.decode16kMono(flac).samples();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            var results = new java.util.ArrayList<java.util.concurrent.Future<float[][]>>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> new float[][] {
                    AudioDecoder.decode16kMono(mp3).samples(), AudioDecoder.decode16kMono(flac).samples()}));
            }
            for (var r : results) {
                float[][] got = r.get();
                assertTrue(Arrays.equals(expectedMp3, got[0]));
                assertTrue(Arrays.equals(expectedFlac, got[1]));
            }
        }
    }

    private static byte[] flacOf(float[] samples) throws Exception {
        int[] s = new int[samples.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.round(samples[i] * 32767);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        new TinyFlacWriter(16_000, 1, 16, 4096, TinyFlacWriter.Subframes.FIXED2, false).write(new int[][] {s}, out);
        return out.toByteArray();
    }

    @Test
    void parallelSegmentsGiveExactlyTheSequentialSamples() throws Exception {
        byte[] frames = Mp3Frames.audioFrames(Files.readAllBytes(TestAudio.fixture("librispeech-royal-cavern.mp3")));
        java.io.ByteArrayOutputStream long10 = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 10; i++) {
            long10.writeBytes(frames); // 4040 frames, about 2.4 minutes
        }
        long10.write(new byte[] {'T', 'A', 'G', 1, 2, 3}); // a tail that is not a frame
        Path file = TestAudio.write(dir, "long.mp3", long10.toByteArray());
        Mp3Gapless gapless = Mp3Gapless.read(file);
        Mp3Segments plan = Mp3Segments.plan(file, gapless, 3);
        assertEquals(2, plan.segments());

        SampleAccumulator sequential = new SampleAccumulator(-1);
        Mp3Decoder.Run seq;
        try (var in = Files.newInputStream(file)) {
            seq = Mp3Decoder.run(in, Files.size(file), (rate, mono, n, index) -> sequential.add(mono, 0, n));
        }
        SampleAccumulator parallel = new SampleAccumulator(-1);
        Mp3Decoder.Run par = plan.decode((rate, mono, n, index) -> parallel.add(mono, 0, n));
        assertEquals(seq.frames(), par.frames());
        // jlayer drops the last frame when junk follows it (it checks the next frame's sync): 4039
        assertTrue(par.frames() >= 4039, "frames " + par.frames());
        float[] a = sequential.toArray();
        float[] b = parallel.toArray();
        assertEquals(par.frames() * 576, a.length);
        assertTrue(Arrays.equals(a, b), "parallel decode differs from the sequential one");
        // through the public path (which plans with the machine's cores) the length is the same
        assertEquals(a.length, AudioDecoder.decode16kMono(file).samples().length);
        // a short stream gets no plan
        assertEquals(null, Mp3Segments.plan(TestAudio.fixture("librispeech-royal-cavern.mp3"),
                Mp3Gapless.read(TestAudio.fixture("librispeech-royal-cavern.mp3")), 8));
    }

    @Test
    void truncatedMp3KeepsTheFramesPresent() throws Exception {
        byte[] mp3 = Files.readAllBytes(TestAudio.fixture("librispeech-royal-cavern.mp3"));
        for (int cut : new int[] {mp3.length / 2, mp3.length / 3 + 17, mp3.length - 5}) {
            AudioClip clip = AudioDecoder.decode16kMono(TestAudio.write(dir, "cut.mp3", Arrays.copyOf(mp3, cut)));
            double expected = 14.47 * cut / mp3.length;
            assertEquals(expected, clip.seconds(), 0.6, "cut at " + cut);
        }
    }

    @Test
    void tagOnlyOrGarbageAfterTheTagHasNoDecodableFrames() throws Exception {
        byte[] mp3 = Files.readAllBytes(TestAudio.fixture("librispeech-a-man-said.mp3"));
        int tag = 10 + 34;
        assertNoFrames(Arrays.copyOf(mp3, tag));
        assertNoFrames(Arrays.copyOf(mp3, tag + 3)); // a partial frame header
        byte[] garbage = new byte[20_000];
        new java.util.Random(7).nextBytes(garbage);
        for (int i = 0; i < garbage.length; i++) {
            if ((garbage[i] & 0xFF) == 0xFF) {
                garbage[i] = 0; // no frame sync anywhere
            }
        }
        byte[] bytes = Arrays.copyOf(mp3, tag + garbage.length);
        System.arraycopy(garbage, 0, bytes, tag, garbage.length);
        assertNoFrames(bytes);
    }

    @Test
    void aCorruptId3SizeDoesNotMakeJlayerAllocateIt() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        // "ID3" cut off, and a tag header claiming 256 MB with nothing after it
        for (byte[] bytes : new byte[][] {"ID3".getBytes(),
                {'I', 'D', '3', 4, 0, 0, 0x7F, 0x7F, 0x7F, 0x7F, (byte) 0xFF, (byte) 0xFB}}) {
            AudioDecoder.decode16kMono(TestAudio.write(dir, "warm.mp3", Files.readAllBytes(
                    TestAudio.fixture("librispeech-a-man-said.mp3")))); // load classes first
            long before = threads.getCurrentThreadAllocatedBytes();
            assertNoFrames(bytes);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes");
        }
    }

    private void assertNoFrames(byte[] bytes) throws Exception {
        Path f = TestAudio.write(dir, "bad.mp3", bytes);
        AudioException e = assertThrows(AudioException.class, () -> AudioDecoder.decode16kMono(f));
        assertTrue(e.getMessage().startsWith("MP3 stream has no decodable frames: bad.mp3"), e.getMessage());
    }

    @Test
    void headerParsing() {
        MpegHeader h = MpegHeader.parse(new byte[] {(byte) 0xFF, (byte) 0xF3, 0x58, (byte) 0xC0}, 0, 4);
        assertEquals(new MpegHeader(2, 3, 40, 16_000, false, false, true), h);
        assertEquals(576, h.samplesPerFrame());
        assertEquals(180, h.frameBytes());
        MpegHeader cd = MpegHeader.parse(new byte[] {(byte) 0xFF, (byte) 0xFB, (byte) 0x90, 0x64}, 0, 4);
        assertEquals(new MpegHeader(1, 3, 128, 44_100, false, false, false), cd);
        assertEquals(417, cd.frameBytes());
        assertEquals(1152, cd.samplesPerFrame());
        // ADTS (AAC) shares the sync but has layer bits 00: not MPEG audio
        assertEquals(null, MpegHeader.parse(new byte[] {(byte) 0xFF, (byte) 0xF1, 0x50, (byte) 0x80}, 0, 4));
    }
}
