package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;

/** F16: plain F16 values, dotted with the float activations. */
final class F16Weight extends AbstractWeight {

    F16Weight(MemorySegment data, int rows, int cols) {
        super(GgmlType.F16, data, rows, cols);
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        long o = r * rowBytes;
        for (int c = 0; c < cols; c++, o += 2) {
            dst[off + c] = Float.float16ToFloat(data.get(SHORT, o));
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        FloatKernels.f16(this, x, rowFrom, rowTo, out);
    }
}
