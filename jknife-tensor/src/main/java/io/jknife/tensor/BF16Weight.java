package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;

/** BF16: plain BF16 values, dotted with the float activations. */
final class BF16Weight extends AbstractWeight {

    BF16Weight(MemorySegment data, int rows, int cols) {
        super(GgmlType.BF16, data, rows, cols);
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        long o = r * rowBytes;
        for (int c = 0; c < cols; c++, o += 2) {
            dst[off + c] = Float.intBitsToFloat((data.get(SHORT, o) & 0xFFFF) << 16);
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        FloatKernels.bf16(this, x, rowFrom, rowTo, out);
    }
}
