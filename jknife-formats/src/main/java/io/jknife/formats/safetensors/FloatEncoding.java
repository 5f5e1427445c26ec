package io.jknife.formats.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.jknife.formats.HalfFloats.bf16ToFloat;
import static io.jknife.formats.HalfFloats.floatToBf16;

/**
 * Little-endian float32/float16/bfloat16 conversion for tensor data. Rounding is to nearest-even,
 * as PyTorch and MLX do, so values written here match what those libraries would store.
 */
public final class FloatEncoding {
    private FloatEncoding() {
    }

    /** Encodes {@code values} as little-endian {@code dtype} (F32, F16 or BF16). */
    public static byte[] encode(float[] values, SafetensorsDType dtype) {
        requireFloat(dtype);
        int width = dtype.bits() / 8;
        ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(values.length, width)).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> {
                for (float v : values) {
                    buf.putFloat(v);
                }
            }
            case F16 -> {
                for (float v : values) {
                    buf.putShort(Float.floatToFloat16(v));
                }
            }
            default -> {
                for (float v : values) {
                    buf.putShort(floatToBf16(v));
                }
            }
        }
        return buf.array();
    }

    /** Decodes little-endian {@code dtype} (F32, F16 or BF16) data into floats. */
    public static float[] decode(byte[] data, SafetensorsDType dtype) {
        requireFloat(dtype);
        int width = dtype.bits() / 8;
        if (data.length % width != 0) {
            throw new IllegalArgumentException(data.length + " bytes is not a whole number of " + dtype + " values");
        }
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[data.length / width];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (dtype) {
                case F32 -> buf.getFloat();
                case F16 -> Float.float16ToFloat(buf.getShort());
                default -> bf16ToFloat(buf.getShort());
            };
        }
        return out;
    }

    /** The value {@code v} becomes once stored as {@code dtype} and read back. */
    public static float round(float v, SafetensorsDType dtype) {
        requireFloat(dtype);
        return switch (dtype) {
            case F32 -> v;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
            default -> bf16ToFloat(floatToBf16(v));
        };
    }

    private static void requireFloat(SafetensorsDType dtype) {
        if (!dtype.isFloatConvertible()) {
            throw new IllegalArgumentException("not a float16/bfloat16/float32 dtype: " + dtype);
        }
    }
}
