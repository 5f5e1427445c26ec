package io.jknife.formats.mlx;

import io.jknife.formats.safetensors.FloatEncoding;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsWriter;

/**
 * MLX's affine quantization ({@code mx.quantize(w, group_size, bits)}, mode "affine"), following
 * the CPU kernel in {@code mlx/backend/cpu/quantized.cpp}: per group of {@code groupSize} values
 * along a row, the scale spans [min, max] over {@code 2^bits - 1} steps, then is nudged so the
 * larger-magnitude edge is exactly representable ({@code bias = edge}, {@code scale = edge / q0});
 * values are {@code clip(rint((w - bias) / scale), 0, 2^bits - 1)}. Arithmetic is in float32 and
 * scales/biases are rounded to the storage dtype afterwards, as MLX does.
 *
 * <p>Supported: bits 2, 3, 4, 5, 6, 8 and group sizes 32, 64, 128 (MLX's own limits). Packing is a
 * little-endian bit stream per row, which is what MLX produces for every width: whole uint32 words
 * for 2/4/8 bits, 3- or 5-byte packs for 3/5/6 bits.
 */
public final class MlxQuantizer {
    private static final float EPS = 1e-7f;

    private MlxQuantizer() {
    }

    /** Quantizes a row-major {@code [rows, cols]} matrix, keeping scales and biases in float32. */
    public static MlxQuantized quantize(float[] w, int rows, int cols, int bits, int groupSize) {
        return quantize(w, rows, cols, bits, groupSize, SafetensorsDType.F32);
    }

    /**
     * Quantizes a row-major {@code [rows, cols]} matrix; scales and biases are rounded to
     * {@code scaleType} (F32, F16 or BF16: MLX uses the weight's own dtype).
     */
    public static MlxQuantized quantize(float[] w, int rows, int cols, int bits, int groupSize, SafetensorsDType scaleType) {
        checkParams(rows, cols, bits, groupSize);
        if (w.length != (long) rows * cols) {
            throw new IllegalArgumentException(w.length + " values for a [" + rows + ", " + cols + "] matrix");
        }
        float nBins = (1 << bits) - 1;
        int groupsPerRow = cols / groupSize;
        int wordsPerRow = cols * bits / 32;
        int[] packed = new int[rows * wordsPerRow];
        float[] scales = new float[rows * groupsPerRow];
        float[] biases = new float[rows * groupsPerRow];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groupsPerRow; g++) {
                int start = r * cols + g * groupSize;
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < groupSize; j++) {
                    max = Math.max(max, w[start + j]);
                    min = Math.min(min, w[start + j]);
                }
                boolean minIsEdge = Math.abs(min) > Math.abs(max);
                float scale = Math.max((max - min) / nBins, EPS);
                scale = minIsEdge ? scale : -scale;
                float edge = minIsEdge ? min : max;
                float q0 = (float) Math.rint(edge / scale);
                float bias = 0;
                if (q0 != 0) {
                    scale = edge / q0;
                    bias = edge;
                }
                for (int j = 0; j < groupSize; j++) {
                    float q = (float) Math.rint((w[start + j] - bias) / scale);
                    q = Math.min(Math.max(q, 0f), nBins);
                    putBits(packed, r * wordsPerRow, (g * groupSize + j) * bits, bits, (int) q);
                }
                scales[r * groupsPerRow + g] = FloatEncoding.round(scale, scaleType);
                biases[r * groupsPerRow + g] = FloatEncoding.round(bias, scaleType);
            }
        }
        return new MlxQuantized(rows, cols, bits, groupSize, packed, scales, biases);
    }

    /** The row-major {@code [rows, cols]} float matrix {@code q} stands for: {@code scale * q + bias}. */
    public static float[] dequantize(MlxQuantized q) {
        int rows = q.rows();
        int cols = q.cols();
        int bits = q.bits();
        int groupsPerRow = cols / q.groupSize();
        int wordsPerRow = cols * bits / 32;
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int v = getBits(q.weight(), r * wordsPerRow, c * bits, bits);
                int group = r * groupsPerRow + c / q.groupSize();
                out[r * cols + c] = q.scales()[group] * v + q.biases()[group];
            }
        }
        return out;
    }

    /** The unsigned quantized value at {@code [row, col]} (for tests and inspection). */
    public static int valueAt(MlxQuantized q, int row, int col) {
        return getBits(q.weight(), row * (q.cols() * q.bits() / 32), col * q.bits(), q.bits());
    }

    /**
     * Adds {@code prefix.weight} (U32), {@code prefix.scales} and {@code prefix.biases} (as
     * {@code scaleType}) to {@code writer}, the names mlx-lm uses for a quantized layer.
     */
    public static void addTo(SafetensorsWriter writer, String prefix, MlxQuantized q, SafetensorsDType scaleType) {
        writer.tensor(prefix + ".weight", q.weightShape(), q.weight());
        writer.tensor(prefix + ".scales", scaleType, q.scalesShape(), q.scales());
        writer.tensor(prefix + ".biases", scaleType, q.scalesShape(), q.biases());
    }

    static void checkParams(int rows, int cols, int bits, int groupSize) {
        if (bits < 2 || bits > 8 || bits == 7) {
            throw new IllegalArgumentException("MLX supports 2, 3, 4, 5, 6 and 8 bits, not " + bits);
        }
        if (groupSize != 32 && groupSize != 64 && groupSize != 128) {
            throw new IllegalArgumentException("MLX supports group sizes 32, 64 and 128, not " + groupSize);
        }
        if (rows < 0 || cols <= 0 || cols % groupSize != 0) {
            throw new IllegalArgumentException("a [" + rows + ", " + cols + "] matrix cannot be split into groups of " + groupSize);
        }
        if ((long) rows * cols > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("matrix too large: [" + rows + ", " + cols + "]");
        }
    }

    private static void putBits(int[] words, int rowWord, int bitOffset, int bits, int value) {
        long v = value & ((1L << bits) - 1);
        int word = rowWord + (bitOffset >>> 5);
        int shift = bitOffset & 31;
        words[word] |= (int) (v << shift);
        if (shift + bits > 32) {
            words[word + 1] |= (int) (v >>> (32 - shift));
        }
    }

    private static int getBits(int[] words, int rowWord, int bitOffset, int bits) {
        int word = rowWord + (bitOffset >>> 5);
        int shift = bitOffset & 31;
        long v = (words[word] & 0xFFFFFFFFL) >>> shift;
        if (shift + bits > 32) {
            v |= (words[word + 1] & 0xFFFFFFFFL) << (32 - shift);
        }
        return (int) (v & ((1L << bits) - 1));
    }
}
