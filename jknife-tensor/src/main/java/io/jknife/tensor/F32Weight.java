package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;

/** F32: plain F32 values, dotted with the float activations. */
final class F32Weight extends AbstractWeight {

    F32Weight(MemorySegment data, int rows, int cols) {
        super(GgmlType.F32, data, rows, cols);
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        long o = r * rowBytes;
        for (int c = 0; c < cols; c++, o += 4) {
            dst[off + c] = data.get(FLOAT, o);
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        FloatKernels.f32(this, x, rowFrom, rowTo, out);
    }
}
