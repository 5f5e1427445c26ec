package io.jknife.audio;

/**
 * A streaming band-limited resampler: polyphase FIR from a Kaiser-windowed sinc.
 *
 * <p>The ratio is reduced to {@code up/down} (44100 → 16000 is 160/441, 48000 → 16000 is 1/3).
 * Output sample n sits at input time {@code t = n·down/up}; it is the dot product of the
 * {@code 2·half} input samples around t with the filter's phase {@code (n·down) mod up}, so only
 * the taps that contribute are computed — no upsampled intermediate signal. When {@code up} is too
 * large for a table per phase (rates without a small common factor, like 44101 → 16000), the table
 * holds {@value #TABLE_PHASES} phases and an output is the linear blend of its two neighbouring
 * phases.
 *
 * <p>Filter: passband to {@value #PASSBAND} of the lower rate, stopband from its Nyquist frequency
 * (0.5), at least {@value #STOPBAND_DB} dB down there (Kaiser's formulas for β and the length).
 * For 16 kHz output that is flat to 6.7 kHz and −70 dB from 8 kHz on, so nothing above the new
 * Nyquist frequency folds back. Each phase is normalised to unit DC gain. The filter is centred
 * (zero delay): output n corresponds exactly to input time n·down/up, and the output has
 * {@code ceil(inputs·up/down)} samples.
 *
 * <p>Memory: the input history kept is about one block plus the filter length.
 */
final class Resampler {

    static final double PASSBAND = 0.42;
    static final double STOPBAND_DB = 70;
    static final int TABLE_PHASES = 1024;

    private final int up;
    private final int down;
    private final int half;
    private final int taps;
    private final boolean blend;
    private final float[] coeffs;

    /** Input history; {@code buf[0]} is input sample number {@code bufStart}. */
    private float[] buf;
    private int bufLen;
    private long bufStart;
    /** Position of the next output: input sample {@code pos} plus {@code phase/up}. */
    private long pos;
    private int phase;
    private long produced;
    private long consumed;

    Resampler(int inRate, int outRate) {
        if (inRate <= 0 || outRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive: " + inRate + " -> " + outRate);
        }
        int g = gcd(inRate, outRate);
        up = outRate / g;
        down = inRate / g;
        double lower = Math.min(inRate, outRate) / (double) inRate; // lower rate, in input-rate units
        double passEdge = PASSBAND * lower;
        double stopEdge = 0.5 * lower;
        double cutoff = (passEdge + stopEdge) / 2; // cycles per input sample, the −6 dB point
        double beta = 0.1102 * (STOPBAND_DB - 8.7);
        // Kaiser: length ≈ (A − 7.95) / (14.36 Δf), Δf in cycles per (input) sample.
        int length = (int) Math.ceil((STOPBAND_DB - 7.95) / (14.36 * (stopEdge - passEdge)));
        half = Math.max(2, (length + 1) / 2);
        taps = 2 * half;
        blend = up > TABLE_PHASES;
        int phases = blend ? TABLE_PHASES + 1 : up;
        coeffs = new float[phases * taps];
        double i0Beta = besselI0(beta);
        for (int p = 0; p < phases; p++) {
            double frac = blend ? p / (double) TABLE_PHASES : p / (double) up;
            double sum = 0;
            double[] row = new double[taps];
            for (int k = 0; k < taps; k++) {
                // tap k multiplies input sample (pos − half + 1 + k); its distance from t:
                double u = frac + (half - 1) - k;
                double x = u / half;
                double w = Math.abs(x) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - x * x)) / i0Beta;
                row[k] = 2 * cutoff * sinc(2 * cutoff * u) * w;
                sum += row[k];
            }
            for (int k = 0; k < taps; k++) {
                coeffs[p * taps + k] = (float) (row[k] / sum);
            }
        }
        buf = new float[taps + 8192];
        bufLen = half - 1; // zeros before the first sample
        bufStart = -(half - 1);
    }

    /** Filter taps per output sample (for tests and the benchmark). */
    int taps() {
        return taps;
    }

    /** Output samples for {@code inputs} input samples. */
    long outputLength(long inputs) {
        return Math.ceilDiv(inputs * up, down);
    }

    /** Feeds input samples; writes every output they complete. */
    void process(float[] in, int off, int len, SampleAccumulator out) {
        while (len > 0) {
            compact();
            int n = Math.min(len, buf.length - bufLen);
            System.arraycopy(in, off, buf, bufLen, n);
            bufLen += n;
            consumed += n;
            off += n;
            len -= n;
            drain(out, Long.MAX_VALUE);
        }
    }

    /** Flushes the tail (the input is taken as zero after its end). */
    void finish(SampleAccumulator out) {
        long total = outputLength(consumed);
        compact();
        if (buf.length - bufLen < half + 1) {
            buf = java.util.Arrays.copyOf(buf, bufLen + half + 1);
        }
        java.util.Arrays.fill(buf, bufLen, bufLen + half + 1, 0f);
        bufLen += half + 1;
        drain(out, total);
    }

    private void drain(SampleAccumulator out, long limit) {
        final float[] b = buf;
        final float[] c = coeffs;
        final int t = taps;
        long end = bufStart + bufLen;
        while (pos + half < end && produced < limit) {
            int base = (int) (pos - half + 1 - bufStart);
            float y;
            if (!blend) {
                y = dot(b, base, c, phase * t, t);
            } else {
                double at = phase * (double) TABLE_PHASES / up;
                int p = (int) at;
                float f = (float) (at - p);
                y = (1 - f) * dot(b, base, c, p * t, t) + f * dot(b, base, c, (p + 1) * t, t);
            }
            out.add(y);
            produced++;
            phase += down;
            if (phase >= up) {
                pos += phase / up;
                phase %= up;
            }
        }
    }

    /** Drops history no later output needs. */
    private void compact() {
        int keep = (int) Math.max(0, Math.min(bufLen, pos - half + 1 - bufStart));
        if (keep > 0 && (bufLen == buf.length || keep > buf.length / 2)) {
            System.arraycopy(buf, keep, buf, 0, bufLen - keep);
            bufLen -= keep;
            bufStart += keep;
        }
    }

    /** Eight independent sums, so the multiply-adds overlap instead of waiting on one another. */
    private static float dot(float[] x, int xo, float[] h, int ho, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        for (; i + 7 < n; i += 8) {
            s0 += x[xo + i] * h[ho + i];
            s1 += x[xo + i + 1] * h[ho + i + 1];
            s2 += x[xo + i + 2] * h[ho + i + 2];
            s3 += x[xo + i + 3] * h[ho + i + 3];
            s4 += x[xo + i + 4] * h[ho + i + 4];
            s5 += x[xo + i + 5] * h[ho + i + 5];
            s6 += x[xo + i + 6] * h[ho + i + 6];
            s7 += x[xo + i + 7] * h[ho + i + 7];
        }
        for (; i < n; i++) {
            s0 += x[xo + i] * h[ho + i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    private static double sinc(double x) {
        if (Math.abs(x) < 1e-12) {
            return 1;
        }
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }

    /** Modified Bessel function of the first kind, order 0 (power series). */
    static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 200; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int r = a % b;
            a = b;
            b = r;
        }
        return a;
    }
}
