package io.jknife.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResamplerTest {

    private static float[] resample(float[] in, int inRate, int outRate) {
        Resampler r = new Resampler(inRate, outRate);
        SampleAccumulator out = new SampleAccumulator(-1);
        r.process(in, 0, in.length, out);
        r.finish(out);
        return out.toArray();
    }

    /** Frequency from zero crossings (upward), over the steady middle part. */
    private static double zeroCrossingFrequency(float[] x, int from, int to, int rate) {
        int first = -1;
        int last = -1;
        int count = 0;
        for (int i = from + 1; i < to; i++) {
            if (x[i - 1] < 0 && x[i] >= 0) {
                if (first < 0) {
                    first = i;
                }
                last = i;
                count++;
            }
        }
        return (count - 1) / ((last - first) / (double) rate);
    }

    @ParameterizedTest
    @ValueSource(ints = {44_100, 48_000, 22_050, 8_000, 32_000, 11_025, 96_000, 44_101})
    void aOneKilohertzToneKeepsFrequencyAndAmplitude(int inRate) {
        float[] in = TestAudio.sine(1000, inRate, inRate * 2, 0.8);
        float[] out = resample(in, inRate, 16_000);
        assertEquals(32_000, out.length, 1, "two seconds at 16 kHz");
        double amp = TestAudio.amplitudeAt(out, 4000, 28_000, 1000, 16_000);
        assertEquals(0.8, amp, 0.8 * 0.01, "amplitude (within 1 %)");
        assertEquals(1000, zeroCrossingFrequency(out, 4000, 28_000, 16_000), 0.5, "frequency");
        // nothing else: the residual after removing the tone is tiny (no aliasing, no imaging)
        double off = TestAudio.amplitudeAt(out, 4000, 28_000, 1500, 16_000)
                + TestAudio.amplitudeAt(out, 4000, 28_000, 3000, 16_000)
                + TestAudio.amplitudeAt(out, 4000, 28_000, 7000, 16_000);
        assertTrue(off < 0.8 * 1e-3, "spurious energy " + off);
    }

    @Test
    void aTwelveKilohertzToneAt48kIsRemovedNotFoldedTo4k() {
        float[] in = TestAudio.sine(12_000, 48_000, 96_000, 0.8);
        float[] out = resample(in, 48_000, 16_000);
        double alias = TestAudio.amplitudeAt(out, 4000, 28_000, 4000, 16_000);
        double rms = TestAudio.rms(out, 4000, 28_000);
        double db = 20 * Math.log10(Math.max(alias, rms * Math.sqrt(2)) / 0.8);
        assertTrue(db < -40, "12 kHz tone leaks at " + db + " dB");
        // plain decimation (every third sample) would fold it to 4 kHz at full amplitude: 0 dB
    }

    @Test
    void frequenciesJustAboveTheNewNyquistAreAttenuatedToo() {
        for (double f : new double[] {8_500, 10_000, 20_000}) {
            float[] in = TestAudio.sine(f, 44_100, 88_200, 0.8);
            float[] out = resample(in, 44_100, 16_000);
            double db = 20 * Math.log10(TestAudio.rms(out, 4000, 28_000) * Math.sqrt(2) / 0.8);
            assertTrue(db < -40, f + " Hz leaks at " + db + " dB");
        }
    }

    @Test
    void passbandIsFlatUpToSixKilohertz() {
        for (double f : new double[] {100, 3000, 6000}) {
            float[] out = resample(TestAudio.sine(f, 48_000, 96_000, 0.5), 48_000, 16_000);
            assertEquals(0.5, TestAudio.amplitudeAt(out, 4000, 28_000, f, 16_000), 0.5 * 0.01, f + " Hz");
        }
    }

    @Test
    void constantSignalStaysConstantAndOutputIsNotDelayed() {
        float[] dc = new float[44_100];
        java.util.Arrays.fill(dc, 0.3f);
        float[] out = resample(dc, 44_100, 16_000);
        for (int i = 200; i < out.length - 200; i++) {
            assertEquals(0.3f, out[i], 1e-5);
        }
        // an impulse at input time t comes out at output time t (zero-phase filter)
        float[] impulse = new float[48_000];
        impulse[30_000] = 1;
        float[] y = resample(impulse, 48_000, 16_000);
        int peak = 0;
        for (int i = 0; i < y.length; i++) {
            if (Math.abs(y[i]) > Math.abs(y[peak])) {
                peak = i;
            }
        }
        assertEquals(10_000, peak);
    }

    @Test
    void streamingInOddBlocksGivesTheSameOutputAsOneCall() {
        float[] in = TestAudio.sine(700, 44_100, 50_000, 0.5);
        float[] whole = resample(in, 44_100, 16_000);
        Resampler r = new Resampler(44_100, 16_000);
        SampleAccumulator out = new SampleAccumulator(10);
        int[] sizes = {1, 7, 4096, 13, 20_000, 333};
        int at = 0;
        for (int i = 0; at < in.length; i++) {
            int n = Math.min(sizes[i % sizes.length], in.length - at);
            r.process(in, at, n, out);
            at += n;
        }
        r.finish(out);
        assertArrayEquals(whole, out.toArray());
    }

    @Test
    void rationalRatiosAreReducedAndTheWorkPerSampleIsBounded() {
        assertEquals(new Resampler(44_100, 16_000).outputLength(441), 160);
        assertEquals(new Resampler(48_000, 16_000).outputLength(3), 1);
        assertEquals(new Resampler(8_000, 16_000).outputLength(5), 10);
        // taps per output: about 2.8 input samples per output × the filter length in output samples
        assertTrue(new Resampler(44_100, 16_000).taps() < 200);
        assertTrue(new Resampler(8_000, 16_000).taps() < 80);
    }

    @Test
    void besselI0MatchesKnownValues() {
        assertEquals(1.0, Resampler.besselI0(0), 1e-15);
        assertEquals(1.2660658777520082, Resampler.besselI0(1), 1e-12);
        assertEquals(2815.716628466254, Resampler.besselI0(10), 1e-8);
    }
}
