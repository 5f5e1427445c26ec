package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q8_0: blocks of 32 values, an f16 scale d then 32 signed bytes q; value = d * q. */
final class Q8_0Weight extends AbstractWeight {
    static final int BLOCK_BYTES = 34;

    Q8_0Weight(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q8_0, data, rows, cols);
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        long base = r * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            float d = f16(o);
            for (int j = 0; j < 32; j++) {
                dst[off + b * 32 + j] = d * data.get(ValueLayout.JAVA_BYTE, o + 2 + j);
            }
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        Q8Kernels.q8_0(this, x, rowFrom, rowTo, out);
    }
}
