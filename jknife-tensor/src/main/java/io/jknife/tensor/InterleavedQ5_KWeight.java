package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_K repacked by {@link Interleaved}: every 32-value sub-block as a block of bytes q (0..31, the
 * low nibble with the fifth bit) with a float scale s = d * sc and a float minimum mn = dmin * m
 * (exact: an f16 times a 6-bit integer); value = s * q - mn, as ggml computes it. Per row, groups
 * of {@link Interleaved#Q4_GROUP} blocks: 32 x group bytes (value k of block b at
 * {@code k * group + b}), then the blocks' scales, then their minimums. 40 bytes per 32 values
 * instead of 22: a byte per value lets the kernel multiply without unpacking bits (the layout and
 * kernel of {@link InterleavedQ6_KWeight}, one scale and a minimum instead of two scales).
 */
final class InterleavedQ5_KWeight extends AbstractWeight {
    /** Bytes per 32 values: one per value, a float scale and a float minimum. */
    static final int BLOCK_BYTES = 40;
    private static final int GROUP = Interleaved.Q4_GROUP;

    InterleavedQ5_KWeight(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q5_K, data, rows, cols, rowBytes(cols));
    }

    /** Bytes per row: whole groups, the last padded with empty blocks (see {@link Interleaved#paddedCols}). */
    static long rowBytes(int cols) {
        return (long) Interleaved.paddedCols(GgmlType.Q5_K, cols) / 32 * BLOCK_BYTES;
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        for (int b = 0; b < cols / 32; b++) {
            long g = r * rowBytes + (long) (b / GROUP) * GROUP * BLOCK_BYTES;
            int lane = b % GROUP;
            float s = data.get(FLOAT, g + 32L * GROUP + 4L * lane);
            float mn = data.get(FLOAT, g + 36L * GROUP + 4L * lane);
            for (int k = 0; k < 32; k++) {
                dst[off + b * 32 + k] = s * data.get(ValueLayout.JAVA_BYTE, g + (long) k * GROUP + lane) - mn;
            }
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        InterleavedKernels.q5_K(this, x, rowFrom, rowTo, out);
    }

    @Override
    public String toString() {
        return rows + " x " + cols + " Q5_K interleaved";
    }
}
