package io.jknife.formats.gguf;

import io.jknife.formats.GgmlType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;

import static io.jknife.formats.HalfFloats.bf16ToFloat;
import static io.jknife.formats.HalfFloats.floatToBf16;
import static io.jknife.formats.HalfFloats.floatToHalf;
import static io.jknife.formats.HalfFloats.halfToFloat;

/**
 * Conversions between float32 values and the ggml encodings jknife writes itself: F32, F16, BF16,
 * the Q8_0 and Q4_0 block quantizations (ggml's reference round-to-nearest schemes) and the
 * Q4_K, Q5_K and Q6_K super-block quantizations (ggml's exact block layouts with a simple
 * min/max choice of scales, not ggml's error-minimizing search), all little-endian as stored in GGUF.
 */
public final class GgmlQuant {
    private static final Set<GgmlType> SUPPORTED =
            EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                    GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);
    private static final int QK_K = 256;

    private GgmlQuant() {
    }

    /** The types {@link #encode} and {@link #decode} handle. */
    public static Set<GgmlType> supported() {
        return EnumSet.copyOf(SUPPORTED);
    }

    public static boolean canEncode(GgmlType type) {
        return SUPPORTED.contains(type);
    }

    /**
     * Encodes float values as {@code type}.
     *
     * @throws IllegalArgumentException for other types, or a count that is not a whole number of blocks
     */
    public static byte[] encode(float[] values, GgmlType type) {
        if (!canEncode(type)) {
            throw new IllegalArgumentException("cannot encode " + type + " (supported: " + SUPPORTED + ")");
        }
        long size = type.byteSize(values.length);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (float v : values) {
                    out.putFloat(v);
                }
            }
            case F16 -> {
                for (float v : values) {
                    out.putShort(floatToHalf(v));
                }
            }
            case BF16 -> {
                for (float v : values) {
                    out.putShort(floatToBf16(v));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < values.length; b += 32) {
                    quantizeQ8_0(values, b, out);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < values.length; b += 32) {
                    quantizeQ4_0(values, b, out);
                }
            }
            case Q4_K, Q5_K -> {
                for (int b = 0; b < values.length; b += QK_K) {
                    quantizeQ45_K(values, b, out, type == GgmlType.Q5_K);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < values.length; b += QK_K) {
                    quantizeQ6_K(values, b, out);
                }
            }
            default -> throw new AssertionError(type);
        }
        return out.array();
    }

    /** Decodes {@code count} values of {@code type} from the start of {@code data}. */
    public static float[] decode(byte[] data, GgmlType type, int count) {
        if (!canEncode(type)) {
            throw new IllegalArgumentException("cannot decode " + type + " (supported: " + SUPPORTED + ")");
        }
        if (type.byteSize(count) > data.length) {
            throw new IllegalArgumentException(count + " " + type + " values need " + type.byteSize(count)
                    + " bytes, got " + data.length);
        }
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[count];
        switch (type) {
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = in.getFloat();
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = halfToFloat(in.getShort());
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = bf16ToFloat(in.getShort());
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < count; b += 32) {
                    float d = halfToFloat(in.getShort());
                    for (int j = 0; j < 32; j++) {
                        out[b + j] = in.get() * d;
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < count; b += 32) {
                    float d = halfToFloat(in.getShort());
                    for (int j = 0; j < 16; j++) {
                        int q = in.get() & 0xFF;
                        out[b + j] = ((q & 0x0F) - 8) * d;
                        out[b + j + 16] = ((q >>> 4) - 8) * d;
                    }
                }
            }
            case Q4_K, Q5_K -> {
                for (int b = 0; b < count; b += QK_K) {
                    dequantizeQ45_K(in, out, b, type == GgmlType.Q5_K);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < count; b += QK_K) {
                    dequantizeQ6_K(in, out, b);
                }
            }
            default -> throw new AssertionError(type);
        }
        return out;
    }

    // one block: an f16 scale d = max|x| / 127, then 32 signed bytes round(x / d)
    private static void quantizeQ8_0(float[] x, int from, ByteBuffer out) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[from + j]));
        }
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(floatToHalf(d));
        for (int j = 0; j < 32; j++) {
            out.put((byte) roundHalfAway(x[from + j] * id));
        }
    }

    // one block: an f16 scale d = -max / 8 (max being the value of largest magnitude, with its
    // sign), then 16 bytes, element j in the low nibble and element j+16 in the high one, as q+8
    private static void quantizeQ4_0(float[] x, int from, ByteBuffer out) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[from + j];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(floatToHalf(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[from + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[from + j + 16] * id + 8.5f));
            out.put((byte) (lo | (hi << 4)));
        }
    }

    private static int roundHalfAway(float v) {
        return (int) (Math.signum(v) * Math.floor(Math.abs(v) + 0.5f));
    }

    // Q4_K (144 bytes) / Q5_K (176 bytes) super-block of 256 values in 8 sub-blocks of 32: f16 d,
    // f16 dmin, 12 bytes of 6-bit sub-block scales and minimums (packScaleMin), for Q5_K 32 bytes
    // qh (bit s of qh[l] is the fifth bit of value l of sub-block s), then 128 bytes: 32 bytes per
    // pair of sub-blocks, the first in the low nibbles, the second in the high ones.
    // value = d * sc * q - dmin * m, q in 0..15 (0..31 for Q5_K).
    private static void quantizeQ45_K(float[] x, int from, ByteBuffer out, boolean five) {
        int qmax = five ? 31 : 15;
        float[] hi = new float[8];
        float[] min = new float[8];
        float maxMin = 0;
        for (int s = 0; s < 8; s++) {
            float lo = 0; // the minimum is never positive, as in ggml
            hi[s] = 0;
            for (int l = 0; l < 32; l++) {
                float v = x[from + 32 * s + l];
                lo = Math.min(lo, v);
                hi[s] = Math.max(hi[s], v);
            }
            min[s] = -lo;
            maxMin = Math.max(maxMin, min[s]);
        }
        // minimums and scales rounded up, so every value stays inside 0..qmax steps
        float dmin = halfAtLeast(maxMin / 63);
        int[] m = new int[8];
        float[] scale = new float[8];
        float maxScale = 0;
        for (int s = 0; s < 8; s++) {
            m[s] = dmin == 0 ? 0 : Math.min(63, (int) Math.ceil(min[s] / dmin));
            scale[s] = (hi[s] + dmin * m[s]) / qmax;
            maxScale = Math.max(maxScale, scale[s]);
        }
        float d = halfAtLeast(maxScale / 63);
        int[] sc = new int[8];
        int[] q = new int[QK_K];
        for (int s = 0; s < 8; s++) {
            sc[s] = d == 0 ? 0 : Math.min(63, (int) Math.ceil(scale[s] / d));
            float step = d * sc[s];
            float offset = dmin * m[s];
            for (int l = 0; l < 32; l++) {
                int v = step == 0 ? 0 : Math.round((x[from + 32 * s + l] + offset) / step);
                q[32 * s + l] = Math.max(0, Math.min(qmax, v));
            }
        }
        out.putShort(floatToHalf(d));
        out.putShort(floatToHalf(dmin));
        out.put(packScaleMin(sc, m));
        if (five) {
            for (int l = 0; l < 32; l++) {
                int h = 0;
                for (int s = 0; s < 8; s++) {
                    h |= (q[32 * s + l] >>> 4) << s;
                }
                out.put((byte) h);
            }
        }
        for (int pair = 0; pair < 4; pair++) {
            for (int l = 0; l < 32; l++) {
                out.put((byte) ((q[64 * pair + l] & 0xF) | ((q[64 * pair + 32 + l] & 0xF) << 4)));
            }
        }
    }

    private static void dequantizeQ45_K(ByteBuffer in, float[] out, int from, boolean five) {
        float d = halfToFloat(in.getShort());
        float dmin = halfToFloat(in.getShort());
        byte[] packed = new byte[12];
        in.get(packed);
        int[] sc = new int[8];
        int[] m = new int[8];
        unpackScaleMin(packed, sc, m);
        byte[] qh = new byte[32];
        if (five) {
            in.get(qh);
        }
        byte[] qs = new byte[128];
        in.get(qs);
        for (int pair = 0; pair < 4; pair++) {
            for (int half = 0; half < 2; half++) {
                int s = 2 * pair + half;
                for (int l = 0; l < 32; l++) {
                    int b = qs[32 * pair + l] & 0xFF;
                    int v = half == 0 ? b & 0xF : b >>> 4;
                    if (five) {
                        v |= ((qh[l] >>> s) & 1) << 4;
                    }
                    out[from + 32 * s + l] = d * sc[s] * v - dmin * m[s];
                }
            }
        }
    }

    // ggml's 12-byte packing of eight 6-bit scales and minimums: sub-blocks 0-3 in the low 6 bits
    // of bytes 0-3 (scales) and 4-7 (minimums); sub-blocks 4-7 with their low 4 bits in bytes
    // 8-11 (scale low nibble, minimum high nibble) and their top 2 bits in the top bits of bytes 0-7
    /** The smallest f16 value at least {@code v} (v >= 0), as a float. */
    private static float halfAtLeast(float v) {
        short h = floatToHalf(v);
        return halfToFloat(h) >= v ? halfToFloat(h) : halfToFloat((short) (h + 1));
    }

    private static byte[] packScaleMin(int[] sc, int[] m) {
        byte[] q = new byte[12];
        for (int j = 0; j < 4; j++) {
            q[j] = (byte) (sc[j] | ((sc[j + 4] >>> 4) << 6));
            q[j + 4] = (byte) (m[j] | ((m[j + 4] >>> 4) << 6));
            q[j + 8] = (byte) ((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
        }
        return q;
    }

    private static void unpackScaleMin(byte[] packed, int[] sc, int[] m) {
        for (int j = 0; j < 4; j++) {
            sc[j] = packed[j] & 63;
            m[j] = packed[j + 4] & 63;
            sc[j + 4] = (packed[j + 8] & 0xF) | (((packed[j] & 0xFF) >>> 6) << 4);
            m[j + 4] = ((packed[j + 8] & 0xFF) >>> 4) | (((packed[j + 4] & 0xFF) >>> 6) << 4);
        }
    }

    // Q6_K super-block (210 bytes) of 256 values in 16 groups of 16: 128 bytes ql, 64 bytes qh,
    // 16 signed scales, f16 d last. In each half of 128 values, for l in 0..31: ql[l] holds
    // values l (low nibble) and l+64 (high), ql[l+32] values l+32 and l+96, qh[l] the top 2 bits
    // of l, l+32, l+64, l+96 in bits 0-1, 2-3, 4-5, 6-7. value = d * scale * (q - 32), q in 0..63.
    private static void quantizeQ6_K(float[] x, int from, ByteBuffer out) {
        float[] scale = new float[16];
        float maxScale = 0;
        for (int g = 0; g < 16; g++) {
            float amax = 0;
            for (int l = 0; l < 16; l++) {
                amax = Math.max(amax, Math.abs(x[from + 16 * g + l]));
            }
            scale[g] = amax / 31;
            maxScale = Math.max(maxScale, scale[g]);
        }
        float d = halfAtLeast(maxScale / 127);
        byte[] sc = new byte[16];
        int[] q = new int[QK_K];
        for (int g = 0; g < 16; g++) {
            sc[g] = (byte) (d == 0 ? 0 : Math.min(127, (int) Math.ceil(scale[g] / d)));
            float step = d * sc[g];
            for (int l = 0; l < 16; l++) {
                int v = step == 0 ? 0 : Math.round(x[from + 16 * g + l] / step);
                q[16 * g + l] = Math.max(-32, Math.min(31, v)) + 32;
            }
        }
        byte[] ql = new byte[128];
        byte[] qh = new byte[64];
        for (int half = 0; half < 2; half++) {
            int y = 128 * half;
            for (int l = 0; l < 32; l++) {
                ql[64 * half + l] = (byte) ((q[y + l] & 0xF) | ((q[y + l + 64] & 0xF) << 4));
                ql[64 * half + l + 32] = (byte) ((q[y + l + 32] & 0xF) | ((q[y + l + 96] & 0xF) << 4));
                qh[32 * half + l] = (byte) ((q[y + l] >>> 4) | ((q[y + l + 32] >>> 4) << 2)
                        | ((q[y + l + 64] >>> 4) << 4) | ((q[y + l + 96] >>> 4) << 6));
            }
        }
        out.put(ql);
        out.put(qh);
        out.put(sc);
        out.putShort(floatToHalf(d));
    }

    private static void dequantizeQ6_K(ByteBuffer in, float[] out, int from) {
        byte[] ql = new byte[128];
        byte[] qh = new byte[64];
        byte[] sc = new byte[16];
        in.get(ql);
        in.get(qh);
        in.get(sc);
        float d = halfToFloat(in.getShort());
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int a = ql[64 * half + l] & 0xFF;
                int c = ql[64 * half + l + 32] & 0xFF;
                int h = qh[32 * half + l] & 0xFF;
                int y = 128 * half + l;
                int[] v = {(a & 0xF) | ((h & 3) << 4), (c & 0xF) | (((h >>> 2) & 3) << 4),
                        (a >>> 4) | (((h >>> 4) & 3) << 4), (c >>> 4) | (((h >>> 6) & 3) << 4)};
                for (int k = 0; k < 4; k++) {
                    int e = y + 32 * k;
                    out[from + e] = d * sc[e / 16] * (v[k] - 32);
                }
            }
        }
    }
}
