package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q6_K repacked by {@link Interleaved}: every 32 values as a block of signed bytes q - 32 (in
 * -32..31) with two float scales, d * sc of its first and of its second 16 values (exact: an
 * f16 times a byte); value = (d * sc) * q, as ggml computes it. Per row, groups of
 * {@link Interleaved#Q4_GROUP} blocks: 32 x group bytes (value k of block b at
 * {@code k * group + b}), then the blocks' first scales, then their second. 40 bytes per 32
 * values instead of 26.25: a byte per value lets the kernel multiply without unpacking bits, and
 * float scales keep the kernel small (with f16 d and byte scales widened in the kernel it ran at
 * 60 % of this speed in the engine).
 */
final class InterleavedQ6_KWeight extends AbstractWeight {
    /** Bytes per 32 values: one per value, two float scales. */
    static final int BLOCK_BYTES = 40;
    private static final int GROUP = Interleaved.Q4_GROUP;

    InterleavedQ6_KWeight(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q6_K, data, rows, cols, rowBytes(cols));
    }

    /** Bytes per row: whole groups, the last padded with empty blocks (see {@link Interleaved#paddedCols}). */
    static long rowBytes(int cols) {
        return (long) Interleaved.paddedCols(GgmlType.Q6_K, cols) / 32 * BLOCK_BYTES;
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        for (int b = 0; b < cols / 32; b++) {
            long g = r * rowBytes + (long) (b / GROUP) * GROUP * BLOCK_BYTES;
            int lane = b % GROUP;
            float s0 = data.get(FLOAT, g + 32L * GROUP + 4L * lane);
            float s1 = data.get(FLOAT, g + 36L * GROUP + 4L * lane);
            for (int k = 0; k < 32; k++) {
                dst[off + b * 32 + k] = (k < 16 ? s0 : s1) * data.get(ValueLayout.JAVA_BYTE, g + (long) k * GROUP + lane);
            }
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        InterleavedKernels.q6_K(this, x, rowFrom, rowTo, out);
    }

    @Override
    public String toString() {
        return rows + " x " + cols + " Q6_K interleaved";
    }
}
