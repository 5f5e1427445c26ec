package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_K: super-blocks of 256 values: f16 d, f16 dmin, 12 bytes of packed 6-bit scales and
 * minimums of 8 sub-blocks of 32 (see {@link KQuants}), then 128 bytes. Each 32 bytes hold two
 * sub-blocks: the low nibbles the first, the high nibbles the second, in order; value =
 * d * scale * q - dmin * min.
 */
final class Q4_KWeight extends AbstractWeight {
    static final int BLOCK_BYTES = 144;

    Q4_KWeight(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_K, data, rows, cols);
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        int[] sc = new int[8];
        int[] m = new int[8];
        long base = r * rowBytes;
        for (int b = 0; b < cols / KQuants.QK_K; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            float d = f16(o);
            float dmin = f16(o + 2);
            KQuants.scaleMin(data, o + 4, sc, m);
            int y = off + b * KQuants.QK_K;
            for (int j = 0; j < 4; j++) {
                float d1 = d * sc[2 * j], m1 = dmin * m[2 * j];
                float d2 = d * sc[2 * j + 1], m2 = dmin * m[2 * j + 1];
                for (int l = 0; l < 32; l++) {
                    int q = data.get(ValueLayout.JAVA_BYTE, o + 16 + 32 * j + l) & 0xFF;
                    dst[y + 64 * j + l] = d1 * (q & 0xF) - m1;
                    dst[y + 64 * j + 32 + l] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        KKernels.q4_K(this, x, rowFrom, rowTo, out);
    }
}
