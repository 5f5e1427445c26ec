package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0 repacked by {@link Interleaved}: per row, groups of {@link Interleaved#Q8_GROUP} blocks,
 * each group 32 x group bytes (value k of block b at {@code k * group + b}) then the blocks' f16
 * scales. Value = d * q.
 */
final class InterleavedQ8_0Weight extends AbstractWeight {
    private static final int GROUP = Interleaved.Q8_GROUP;

    InterleavedQ8_0Weight(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q8_0, data, rows, cols, rowBytes(cols));
    }

    /** Bytes per row: whole groups, the last padded with empty blocks (see {@link Interleaved#paddedCols}). */
    static long rowBytes(int cols) {
        return GgmlType.Q8_0.byteSize(Interleaved.paddedCols(GgmlType.Q8_0, cols));
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        for (int b = 0; b < cols / 32; b++) {
            float d = Interleaved.scale(this, GROUP, 32, r, b);
            for (int k = 0; k < 32; k++) {
                dst[off + b * 32 + k] = d * Interleaved.value(this, GROUP, 32, r, b, k);
            }
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        InterleavedKernels.q8_0(this, x, rowFrom, rowTo, out);
    }

    @Override
    public String toString() {
        return super.toString() + " interleaved";
    }
}
