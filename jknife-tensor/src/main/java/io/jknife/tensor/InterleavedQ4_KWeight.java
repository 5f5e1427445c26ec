package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K repacked by {@link Interleaved}: every 32-value sub-block as a block of its own, value =
 * s * q - mn with q in 0..15, s = d * sc and mn = dmin * m rounded to halves (2^-11 relative,
 * well under what the 6-bit sc and m already quantize). Per row, groups of
 * {@link Interleaved#Q4_GROUP} blocks: 16 x group nibble bytes (byte j of block b at
 * {@code j * group + b}: value j low, value j + 16 high), then the group's s, then its mn.
 */
final class InterleavedQ4_KWeight extends AbstractWeight {
    /** Bytes per 32 values: 16 of nibbles, a half scale, a half minimum. */
    static final int SUB_BLOCK_BYTES = 20;
    private static final int GROUP = Interleaved.Q4_GROUP;

    InterleavedQ4_KWeight(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_K, data, rows, cols, rowBytes(cols));
    }

    /** Bytes per row: whole groups, the last padded with empty blocks (see {@link Interleaved#paddedCols}). */
    static long rowBytes(int cols) {
        return (long) Interleaved.paddedCols(GgmlType.Q4_K, cols) / 32 * SUB_BLOCK_BYTES;
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        for (int b = 0; b < cols / 32; b++) {
            long g = r * rowBytes + (long) (b / GROUP) * GROUP * SUB_BLOCK_BYTES;
            int lane = b % GROUP;
            float s = f16(g + 16L * GROUP + 2L * lane);
            float mn = f16(g + 18L * GROUP + 2L * lane);
            for (int j = 0; j < 16; j++) {
                int q = data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, g + (long) j * GROUP + lane) & 0xFF;
                dst[off + b * 32 + j] = s * (q & 0xF) - mn;
                dst[off + b * 32 + j + 16] = s * (q >>> 4) - mn;
            }
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        InterleavedKernels.q4_K(this, x, rowFrom, rowTo, out);
    }

    @Override
    public String toString() {
        return rows + " x " + cols + " Q4_K interleaved";
    }
}
