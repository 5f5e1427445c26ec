package io.jknife.tensor;

import io.jknife.formats.GgmlType;

/**
 * The shape of an MLX affine-quantized matrix and the sizes that follow from it: {@code rows}
 * rows of {@code cols} values of {@code bits} bits, one scale and one bias of {@code scaleType}
 * per {@code groupSize} values of a row. Validated on creation.
 */
record MlxLayout(int rows, int cols, int bits, int groupSize, GgmlType scaleType) {

    MlxLayout {
        if (bits < 2 || bits > 8 || bits == 7) {
            throw new IllegalArgumentException("MLX weights have 2, 3, 4, 5, 6 or 8 bits, not " + bits);
        }
        if (groupSize != 32 && groupSize != 64 && groupSize != 128) {
            throw new IllegalArgumentException("MLX group sizes are 32, 64 or 128, not " + groupSize);
        }
        if (scaleType != GgmlType.F16 && scaleType != GgmlType.BF16 && scaleType != GgmlType.F32) {
            throw new IllegalArgumentException("MLX scales and biases are F16, BF16 or F32, not " + scaleType);
        }
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("weight shape must be positive, got " + rows + " x " + cols);
        }
        if (cols % groupSize != 0) {
            throw new IllegalArgumentException("MLX rows of " + cols + " values are not a whole number of "
                    + groupSize + "-value groups");
        }
        if ((long) cols * bits % 32 != 0) {
            throw new IllegalArgumentException("MLX rows of " + cols + " " + bits
                    + "-bit values are not a whole number of 32-bit words");
        }
    }

    static MlxLayout of(int rows, int cols, int bits, int groupSize, GgmlType scaleType) {
        if (scaleType == null) {
            throw new IllegalArgumentException("MLX scale type missing (F16, BF16 or F32)");
        }
        return new MlxLayout(rows, cols, bits, groupSize, scaleType);
    }

    /** Groups (scales, biases) per row. */
    int groups() {
        return cols / groupSize;
    }

    /** Bytes of one row of packed values. */
    long packedRowBytes() {
        return (long) cols * bits / 8;
    }

    /** Bytes of the packed values, the {@code weight} tensor. */
    long packedBytes() {
        return packedRowBytes() * rows;
    }

    /** Bytes of one scale or bias. */
    int scaleBytes() {
        return scaleType.typeSize();
    }

    /** Bytes of the scales, and again of the biases. */
    long scalesBytes() {
        return (long) rows * groups() * scaleBytes();
    }

    /** Bytes one dot product with a row reads: its packed values, scales and biases. */
    long rowBytes() {
        return packedRowBytes() + 2L * groups() * scaleBytes();
    }

    /** {@code MLX_Q<bits>_G<groupSize>}, e.g. {@code MLX_Q4_G64}. */
    String typeName() {
        return "MLX_Q" + bits + "_G" + groupSize;
    }
}
