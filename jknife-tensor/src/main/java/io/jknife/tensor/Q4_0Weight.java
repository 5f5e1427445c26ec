package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0: blocks of 32 values, an f16 scale d then 16 bytes; value j is the low nibble of byte j,
 * value j+16 its high nibble, both as d * (nibble - 8).
 */
final class Q4_0Weight extends AbstractWeight {
    static final int BLOCK_BYTES = 18;

    Q4_0Weight(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_0, data, rows, cols);
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        long base = r * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            float d = f16(o);
            for (int j = 0; j < 16; j++) {
                int q = data.get(ValueLayout.JAVA_BYTE, o + 2 + j) & 0xFF;
                dst[off + b * 32 + j] = d * ((q & 0xF) - 8);
                dst[off + b * 32 + j + 16] = d * ((q >>> 4) - 8);
            }
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        if (FloatDecodeKernels.takes(x.n())) {
            FloatDecodeKernels.q4_0(this, x, rowFrom, rowTo, out);
        } else {
            Q8Kernels.q4_0(this, x, rowFrom, rowTo, out);
        }
    }
}
