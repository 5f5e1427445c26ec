package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q6_K: super-blocks of 256 values: 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits), 16
 * signed 8-bit scales of 16-value groups, then the f16 d, last. Per half of 128 values and l in
 * 0..31: ql[l] low/high nibble give values l and l+64, ql[l+32] values l+32 and l+96, qh[l] bits
 * 0-1, 2-3, 4-5, 6-7 their high bits for l, l+32, l+64, l+96; value = d * scale * (q - 32).
 */
final class Q6_KWeight extends AbstractWeight {
    static final int BLOCK_BYTES = 210;

    Q6_KWeight(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q6_K, data, rows, cols);
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        checkRow(r, dst, off);
        long base = r * rowBytes;
        for (int b = 0; b < cols / KQuants.QK_K; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            float d = f16(o + 208);
            int y = off + b * KQuants.QK_K;
            for (int half = 0; half < 2; half++) {
                long ql = o + 64 * half;
                long qh = o + 128 + 32 * half;
                long sc = o + 192 + 8 * half;
                for (int l = 0; l < 32; l++) {
                    int a = data.get(ValueLayout.JAVA_BYTE, ql + l) & 0xFF;
                    int c = data.get(ValueLayout.JAVA_BYTE, ql + l + 32) & 0xFF;
                    int h = data.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                    int is = l / 16;
                    int yy = y + 128 * half + l;
                    dst[yy] = d * data.get(ValueLayout.JAVA_BYTE, sc + is) * (((a & 0xF) | ((h & 3) << 4)) - 32);
                    dst[yy + 32] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 2) * (((c & 0xF) | (((h >>> 2) & 3) << 4)) - 32);
                    dst[yy + 64] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 4) * (((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32);
                    dst[yy + 96] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 6) * (((c >>> 4) | (((h >>> 6) & 3) << 4)) - 32);
                }
            }
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(x, rowFrom, rowTo, out);
        KKernels.q6_K(this, x, rowFrom, rowTo, out);
    }
}
