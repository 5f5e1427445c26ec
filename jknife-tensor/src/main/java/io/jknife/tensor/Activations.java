package io.jknife.tensor;

import java.util.Objects;

/**
 * Input activations ({@code n} token rows of {@code cols} floats) prepared once for every matrix
 * that reads them: quantized to 8-bit blocks of 32 values for the integer dot products of the
 * quantized weight types (as llama.cpp does with its Q8 activations), the floats kept for the
 * float weight types and for the prefill float tiles of Q8_0 and Q4_0.
 *
 * <p>Each block of 32 values gets a float scale {@code d = max|x| / 127} and values
 * {@code round(x / d)} in [-127, 127], stored widened to shorts (the kernels multiply shorts), plus
 * their sum (for the weight types with a per-block minimum). On random data this costs about
 * 0.5 % relative (RMS) error per dot product, a normalized mean squared error near 3e-5, well
 * inside the 5e-4 that llama.cpp's own matmul tests accept. The float array is referenced, not copied: do not change
 * it while multiplications that read this object are running. Quantization happens only when
 * {@code cols} is a multiple of 32 (all quantized weight types need that).
 *
 * <p>Immutable once built, except {@link #set}; safe to read from several threads.
 */
public final class Activations {
    /** Values per quantization block. */
    public static final int BLOCK = 32;

    private final int capacity;
    private final int cols;
    private final boolean quantized;
    private float[] x;
    private int n;
    // plain layout: block values in order, one short each
    private final short[] q;
    // per block: the scale and the sum of the quantized values
    private final float[] scale;
    private final int[] sums;
    // per block: scale * sum, the float value of the block's sum (for weight offsets and minimums)
    private final float[] scaledSums;
    // the same values with the two halves of each block interleaved (v0, v16, v1, v17, ...),
    // which is how Q4_0 packs its nibbles; built on first use
    private short[] interleaved;
    private boolean interleavedValid;

    private Activations(int capacity, int cols) {
        if (capacity <= 0 || cols <= 0) {
            throw new IllegalArgumentException("activations need positive sizes, got " + capacity + " x " + cols);
        }
        this.capacity = capacity;
        this.cols = cols;
        this.quantized = cols % BLOCK == 0;
        long values = (long) capacity * cols;
        if (values > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(capacity + " x " + cols + " activations are too many");
        }
        this.q = quantized ? new short[(int) values] : null;
        int blocks = quantized ? (int) (values / BLOCK) : 0;
        this.scale = new float[blocks];
        this.sums = new int[blocks];
        this.scaledSums = new float[blocks];
    }

    /**
     * Prepares {@code n} token rows of {@code cols} floats, {@code x[t * cols + c]}.
     *
     * @throws IllegalArgumentException when {@code x} holds fewer than {@code n * cols} values
     */
    public static Activations of(float[] x, int n, int cols) {
        Activations a = new Activations(n, cols);
        a.set(x, n);
        return a;
    }

    /** Room for up to {@code maxTokens} token rows, to be filled (and refilled) with {@link #set}. */
    public static Activations allocate(int maxTokens, int cols) {
        return new Activations(maxTokens, cols);
    }

    /**
     * Replaces the contents with {@code n} token rows of {@code x}, reusing the buffers: one
     * {@code Activations} per matmul input serves every token. Not while a multiplication reads it.
     */
    public Activations set(float[] x, int n) {
        Objects.requireNonNull(x, "x");
        if (n <= 0 || n > capacity) {
            throw new IllegalArgumentException(n + " tokens, room for 1.." + capacity);
        }
        if (x.length < (long) n * cols) {
            throw new IllegalArgumentException("activations of " + n + " x " + cols + " need " + (long) n * cols
                    + " floats, got " + x.length);
        }
        this.x = x;
        this.n = n;
        synchronized (this) {
            interleavedValid = false;
        }
        if (quantized) {
            quantize(x, n * cols / BLOCK);
        }
        return this;
    }

    private void quantize(float[] x, int blocks) {
        for (int b = 0; b < blocks; b++) {
            int base = b * BLOCK;
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(x[base + j]));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            int sum = 0;
            for (int j = 0; j < BLOCK; j++) {
                int v = Math.round(x[base + j] * id);
                q[base + j] = (short) v;
                sum += v;
            }
            scale[b] = d;
            sums[b] = sum;
            scaledSums[b] = d * sum;
        }
    }

    /** Token rows. */
    public int n() {
        return n;
    }

    public int cols() {
        return cols;
    }

    /** The float values, {@code x[t * cols + c]} (the array given, possibly longer than n * cols). */
    public float[] floats() {
        return x;
    }

    /** Whether the 8-bit form exists (cols a multiple of {@link #BLOCK}). */
    public boolean isQuantized() {
        return quantized;
    }

    short[] quants() {
        requireQuantized();
        return q;
    }

    float[] scales() {
        requireQuantized();
        return scale;
    }

    int[] sums() {
        requireQuantized();
        return sums;
    }

    /** Per block: scale times the sum of the quantized values. */
    float[] scaledSums() {
        requireQuantized();
        return scaledSums;
    }

    /** The quantized values with each block's halves interleaved; built once per {@link #set}. */
    synchronized short[] interleaved() {
        requireQuantized();
        if (!interleavedValid) {
            if (interleaved == null) {
                interleaved = new short[q.length];
            }
            int end = n * cols;
            for (int base = 0; base < end; base += BLOCK) {
                for (int j = 0; j < BLOCK / 2; j++) {
                    interleaved[base + 2 * j] = q[base + j];
                    interleaved[base + 2 * j + 1] = q[base + j + BLOCK / 2];
                }
            }
            interleavedValid = true;
        }
        return interleaved;
    }

    /** The value the kernels see for token t, column c: the dequantized 8-bit value. For tests. */
    float quantizedValue(int t, int c) {
        int i = t * cols + c;
        return q[i] * scale[i / BLOCK];
    }

    private void requireQuantized() {
        if (!quantized) {
            throw new IllegalStateException("activations of " + cols + " columns are not a whole number of "
                    + BLOCK + "-value blocks, which quantized weights need");
        }
    }
}
