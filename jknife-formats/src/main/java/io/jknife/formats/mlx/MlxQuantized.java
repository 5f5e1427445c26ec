package io.jknife.formats.mlx;

import java.util.Arrays;
import java.util.Objects;

/**
 * A matrix in MLX's affine quantized layout, as {@code mlx.core.quantize} returns it and mlx-lm
 * stores it ({@code <name>.weight}, {@code <name>.scales}, {@code <name>.biases}).
 *
 * @param rows      output features ({@code out})
 * @param cols      input features ({@code in}), a multiple of {@code groupSize}
 * @param bits      bits per value
 * @param groupSize values sharing one scale and bias
 * @param weight    packed uint32 words, row-major {@code [rows, cols*bits/32]}: values form a
 *                  little-endian bit stream, value {@code k} of a row at bits {@code [k*bits, (k+1)*bits)}
 * @param scales    per-group scales {@code [rows, cols/groupSize]}, already rounded to the storage dtype
 * @param biases    per-group biases, same shape; {@code w ≈ scale * q + bias}
 */
public record MlxQuantized(int rows, int cols, int bits, int groupSize, int[] weight, float[] scales, float[] biases) {

    public MlxQuantized {
        Objects.requireNonNull(weight);
        Objects.requireNonNull(scales);
        Objects.requireNonNull(biases);
        MlxQuantizer.checkParams(rows, cols, bits, groupSize);
        long words = (long) rows * cols * bits / 32;
        long groups = (long) rows * (cols / groupSize);
        if (weight.length != words || scales.length != groups || biases.length != groups) {
            throw new IllegalArgumentException("array sizes do not match [" + rows + ", " + cols + "] at "
                    + bits + " bits, group size " + groupSize);
        }
    }

    /** Shape of the packed {@code weight} tensor: {@code [rows, cols*bits/32]}. */
    public long[] weightShape() {
        return new long[]{rows, (long) cols * bits / 32};
    }

    /** Shape of {@code scales} and {@code biases}: {@code [rows, cols/groupSize]}. */
    public long[] scalesShape() {
        return new long[]{rows, cols / groupSize};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlxQuantized q && rows == q.rows && cols == q.cols && bits == q.bits
                && groupSize == q.groupSize && Arrays.equals(weight, q.weight)
                && Arrays.equals(scales, q.scales) && Arrays.equals(biases, q.biases);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rows, cols, bits, groupSize, Arrays.hashCode(weight), Arrays.hashCode(scales),
                Arrays.hashCode(biases));
    }

    @Override
    public String toString() {
        return "MlxQuantized[" + rows + "x" + cols + ", bits=" + bits + ", groupSize=" + groupSize + "]";
    }
}
