package io.jknife.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The packed 6-bit scales and minimums of Q4_K and Q5_K super-blocks (ggml's get_scale_min_k4). */
final class KQuants {
    /** Values per super-block. */
    static final int QK_K = 256;

    private KQuants() {
    }

    /**
     * Unpacks the 8 scales and 8 minimums of the 12 bytes at {@code offset} into {@code sc[0..8)}
     * and {@code m[0..8)}: sub-blocks 0-3 keep the low 6 bits of bytes 0-3 (scales) and 4-7
     * (minimums); sub-blocks 4-7 take their low 4 bits from bytes 8-11 and their top 2 bits from the
     * high bits of bytes 0-7.
     */
    static void scaleMin(MemorySegment data, long offset, int[] sc, int[] m) {
        int[] q = new int[12];
        for (int i = 0; i < 12; i++) {
            q[i] = data.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFF;
        }
        unpack(q, sc, m);
    }

    static void unpack(int[] q, int[] sc, int[] m) {
        for (int j = 0; j < 4; j++) {
            sc[j] = q[j] & 63;
            m[j] = q[j + 4] & 63;
        }
        for (int j = 4; j < 8; j++) {
            sc[j] = (q[j + 4] & 0xF) | ((q[j - 4] >>> 6) << 4);
            m[j] = (q[j + 4] >>> 4) | ((q[j] >>> 6) << 4);
        }
    }

    /**
     * The 8 scales of the 12 bytes read as one long (bytes 0-7) and one int (bytes 8-11), one per
     * byte of the result (sub-block j in byte j): low 6 bits of bytes 0-3, then the low nibbles of
     * bytes 8-11 with the top 2 bits of bytes 0-3 above them. Whole-word masks, as ggml does.
     */
    static long scales(long lo, int hi) {
        long q = lo & 0xFFFF_FFFFL;
        long h = hi & 0xFFFF_FFFFL;
        return (q & 0x3F3F_3F3FL) | (((h & 0x0F0F_0F0FL) | (((q >>> 6) & 0x0303_0303L) << 4)) << 32);
    }

    /** The 8 minimums, as {@link #scales}: bytes 4-7, then the high nibbles of bytes 8-11 and top bits of bytes 4-7. */
    static long mins(long lo, int hi) {
        long q = lo >>> 32;
        long h = hi & 0xFFFF_FFFFL;
        return (q & 0x3F3F_3F3FL) | ((((h >>> 4) & 0x0F0F_0F0FL) | (((q >>> 6) & 0x0303_0303L) << 4)) << 32);
    }
}
