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
 * Conversions between float32 values and the ggml encodings jknife writes itself: F32, F16, BF16
 * and the Q8_0 and Q4_0 block quantizations (ggml's reference round-to-nearest schemes), all
 * little-endian as stored in GGUF.
 */
public final class GgmlQuant {
    private static final Set<GgmlType> SUPPORTED =
            EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0);

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
}
