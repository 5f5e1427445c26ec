package io.jknife.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * Input activations ({@code n} token rows of {@code cols} floats) prepared once for every matrix
 * that reads them: quantized to 8-bit blocks of 32 values for the integer dot products of the
 * quantized weight types (as llama.cpp does with its Q8 activations), the floats kept for the
 * float weight types, for the prefill float tiles of Q8_0 and Q4_0 and for Q4_0 decode.
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
    // for MLX weights, built on first use: the floats with even and odd positions split per
    // PAIR_CHUNK values (how 4-bit MLX words unpack into two vectors), and per-group float sums
    // for group sizes 32, 64, 128
    private float[] pairSplit;
    private boolean pairSplitValid;
    private final float[][] groupSums = new float[3][];
    private final boolean[] groupSumsValid = new boolean[3];
    // for the interleaved weights, built on first use: per group of blocks, value k of every block
    // side by side (see blockColumns and floatBlockColumns)
    private short[] blockColumns;
    private boolean blockColumnsValid;
    private float[] floatBlockColumns;
    private boolean floatBlockColumnsValid;
    // when blockColumns pads the rows: the per-block arrays with the same padded stride
    private float[] paddedScales;
    private int[] paddedSums;
    private float[] paddedScaledSums;

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
            pairSplitValid = false;
            Arrays.fill(groupSumsValid, false);
            blockColumnsValid = false;
            floatBlockColumnsValid = false;
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

    /** Values per chunk of {@link #pairSplit()}: two float vectors. */
    static final int PAIR_CHUNK = 2 * Vec.F.length();

    /**
     * The float values reordered per chunk of {@link #PAIR_CHUNK}: the even positions of the chunk,
     * then the odd ones. A vector of bytes of 4-bit MLX values unpacks into the low nibbles (even
     * values) and the high nibbles (odd values), which this order meets without shuffles.
     * Built once per {@link #set}; needs cols to be a multiple of {@link #PAIR_CHUNK}.
     */
    synchronized float[] pairSplit() {
        if (cols % PAIR_CHUNK != 0) {
            throw new IllegalStateException("activations of " + cols + " columns are not a whole number of "
                    + PAIR_CHUNK + "-value chunks");
        }
        if (!pairSplitValid) {
            if (pairSplit == null) {
                pairSplit = new float[capacity * cols];
            }
            int half = PAIR_CHUNK / 2;
            int end = n * cols;
            for (int base = 0; base < end; base += PAIR_CHUNK) {
                for (int j = 0; j < half; j++) {
                    pairSplit[base + j] = x[base + 2 * j];
                    pairSplit[base + half + j] = x[base + 2 * j + 1];
                }
            }
            pairSplitValid = true;
        }
        return pairSplit;
    }

    /**
     * Per token and group of {@code groupSize} (32, 64 or 128) columns, the sum of the float
     * values, {@code [t * cols / groupSize + g]}: what MLX's per-group bias multiplies. Built once
     * per {@link #set} and group size.
     */
    synchronized float[] groupSums(int groupSize) {
        int slot = switch (groupSize) {
            case 32 -> 0;
            case 64 -> 1;
            case 128 -> 2;
            default -> throw new IllegalArgumentException("group size " + groupSize + " (32, 64 or 128)");
        };
        if (cols % groupSize != 0) {
            throw new IllegalStateException("activations of " + cols + " columns are not a whole number of "
                    + groupSize + "-value groups");
        }
        if (!groupSumsValid[slot]) {
            if (groupSums[slot] == null) {
                groupSums[slot] = new float[capacity * cols / groupSize];
            }
            float[] sums = groupSums[slot];
            int groups = n * cols / groupSize;
            for (int g = 0; g < groups; g++) {
                double s = 0;
                for (int j = g * groupSize, e = j + groupSize; j < e; j++) {
                    s += x[j];
                }
                sums[g] = (float) s;
            }
            groupSumsValid[slot] = true;
        }
        return groupSums[slot];
    }

    /** Columns per token row of {@link #blockColumns}: {@link #cols()} rounded up to whole groups of {@code group} blocks. */
    int paddedCols(int group) {
        int span = BLOCK * group;
        return (cols + span - 1) / span * span;
    }

    /**
     * The 8-bit values transposed per group of {@code group} blocks ({@code 32 * group} columns),
     * each token's row padded with zeros to whole groups ({@code pc = paddedCols(group)} values): for
     * token t, group g, value k of the block and block b of the group, index
     * {@code t * pc + g * 32 * group + k * group + b}. One vector of shorts then holds value k of
     * every block of the group, as the {@link Interleaved} layouts store their weights. The
     * per-block arrays in the same padded order: {@link #blockScales}, {@link #blockSums},
     * {@link #blockScaledSums}. Built once per {@link #set}; {@code group} must be the same on every call.
     */
    synchronized short[] blockColumns(int group) {
        requireQuantized();
        if (!blockColumnsValid) {
            int pc = paddedCols(group);
            if (blockColumns == null) {
                blockColumns = new short[capacity * pc]; // padding stays zero
                if (pc != cols) {
                    paddedScales = new float[capacity * pc / BLOCK];
                    paddedSums = new int[capacity * pc / BLOCK];
                    paddedScaledSums = new float[capacity * pc / BLOCK];
                }
            }
            int nb = cols / BLOCK;
            for (int t = 0; t < n; t++) {
                for (int blk = 0; blk < nb; blk++) {
                    int dst = t * pc + blk / group * BLOCK * group + blk % group;
                    int src = (t * nb + blk) * BLOCK;
                    for (int k = 0; k < BLOCK; k++) {
                        blockColumns[dst + k * group] = q[src + k];
                    }
                }
                if (pc != cols) {
                    System.arraycopy(scale, t * nb, paddedScales, t * pc / BLOCK, nb);
                    System.arraycopy(sums, t * nb, paddedSums, t * pc / BLOCK, nb);
                    System.arraycopy(scaledSums, t * nb, paddedScaledSums, t * pc / BLOCK, nb);
                }
            }
            blockColumnsValid = true;
        }
        return blockColumns;
    }

    /** The block scales in {@link #blockColumns}' padded order (the plain array when nothing is padded); after it. */
    synchronized float[] blockScales(int group) {
        return paddedCols(group) == cols ? scales() : paddedScales;
    }

    /** The block sums in {@link #blockColumns}' padded order; after it. */
    synchronized int[] blockSums(int group) {
        return paddedCols(group) == cols ? sums() : paddedSums;
    }

    /** The scaled block sums in {@link #blockColumns}' padded order; after it. */
    synchronized float[] blockScaledSums(int group) {
        return paddedCols(group) == cols ? scaledSums() : paddedScaledSums;
    }

    /** The float values in the layout of {@link #blockColumns} (padded alike), for {@link InterleavedQ8_0Weight}. */
    synchronized float[] floatBlockColumns(int group) {
        requireQuantized();
        if (!floatBlockColumnsValid) {
            int pc = paddedCols(group);
            if (floatBlockColumns == null) {
                floatBlockColumns = new float[capacity * pc]; // padding stays zero
            }
            int nb = cols / BLOCK;
            for (int t = 0; t < n; t++) {
                for (int blk = 0; blk < nb; blk++) {
                    int dst = t * pc + blk / group * BLOCK * group + blk % group;
                    int src = (t * nb + blk) * BLOCK;
                    for (int k = 0; k < BLOCK; k++) {
                        floatBlockColumns[dst + k * group] = x[src + k];
                    }
                }
            }
            floatBlockColumnsValid = true;
        }
        return floatBlockColumns;
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
