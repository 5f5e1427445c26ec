package io.jknife.formats;

/**
 * The 16-bit float encodings model files use, as raw bits: IEEE half precision (F16) and
 * bfloat16 (BF16). Float to 16 bits rounds to nearest even, as ggml, PyTorch and MLX do.
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** IEEE half precision, round to nearest even. */
    public static short floatToHalf(float v) {
        return Float.floatToFloat16(v);
    }

    public static float halfToFloat(short h) {
        return Float.float16ToFloat(h);
    }

    /** bfloat16: the top half of a float32, rounded to nearest even; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
