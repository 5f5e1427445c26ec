package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0 repacked by {@link Interleaved}: per row, groups of {@link Interleaved#Q4_GROUP} blocks,
 * each group 16 x group bytes (byte j of block b at {@code j * group + b}: value j in its low
 * nibble, value j + 16 in its high one) then the blocks' f16 scales. Value = d * (nibble - 8).
 */
final class InterleavedQ4_0Weight extends AbstractWeight {
    private static final int GROUP = Interleaved.Q4_GROUP;

    InterleavedQ4_0Weight(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_0, data, rows, cols, rowBytes(cols));
    }

    /** Bytes per row: whole groups, the last padded with empty blocks (see {@link Interleaved#paddedCols}). */
    static long rowBytes(int cols) {
        return GgmlType.Q4_0.byteSize(Interleaved.paddedCols(GgmlType.Q4_0, cols));
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        for (int b = 0; b < cols / 32; b++) {
            float d = Interleaved.scale(this, GROUP, 16, r, b);
            for (int j = 0; j < 16; j++) {
                int q = Interleaved.value(this, GROUP, 16, r, b, j) & 0xFF;
                dst[off + b * 32 + j] = d * ((q & 0xF) - 8);
                dst[off + b * 32 + j + 16] = d * ((q >>> 4) - 8);
            }
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        InterleavedKernels.q4_0(this, x, rowFrom, rowTo, out);
    }

    @Override
    public String toString() {
        return super.toString() + " interleaved";
    }
}
