package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * A {@code rows x cols} weight matrix, row-major, in (memory-mapped) memory: one of the GGML types
 * (see {@link #of}), one implementation per type, or MLX's affine group quantization (see
 * {@link #mlx}). Row {@code r} is the {@code cols} values of output {@code r} (ggml's
 * {@code ne[0]} is {@code cols}, {@code ne[1]} is {@code rows}), stored as ggml or mlx-lm stores
 * it, little-endian.
 *
 * <p>Instances are immutable and safe to use from several threads at once. They do not own their
 * memory: it stays valid as long as the arena it came from (see {@link MappedGguf#close()}).
 */
public interface WeightTensor {

    /**
     * The storage type's name: a GGML type's enum name ({@code "Q4_0"}), or for MLX
     * {@code "MLX_Q<bits>_G<groupSize>"} ({@code "MLX_Q4_G64"}).
     */
    String typeName();

    int rows();

    int cols();

    /**
     * The raw data: for the GGML types all of it ({@code rows * rowBytes()} bytes); for MLX the
     * packed values only (scales and biases are separate segments).
     */
    MemorySegment data();

    /** Bytes of one row, everything a dot product with it reads (for MLX: packed values, scales and biases). */
    long rowBytes();

    /** Bytes of the whole matrix, what one full multiplication reads. */
    default long byteSize() {
        return rowBytes() * rows();
    }

    /** Dequantizes row r into dst[off, off+cols) (embedding lookups). */
    void rowTo(int r, float[] dst, int off);

    /**
     * The kernel that {@link MatMul} splits across threads: for rows {@code [rowFrom, rowTo)} and
     * every token t of {@code x}, {@code out[t * rows() + r] = dot(row r, token row t of x)}.
     * Callers normally use {@link MatMul#multiply}; this is public for engines that split work
     * their own way.
     *
     * @throws IllegalArgumentException when {@code x} has another column count
     */
    void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out);

    /** The types {@link #of} accepts. */
    static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Wraps {@code data} (exactly {@code rows} rows of {@code cols} values of {@code type}) as a weight matrix.
     *
     * @throws IllegalArgumentException for unsupported types, non-positive shapes, a column count
     *                                  that is not a whole number of blocks, or a segment of another size
     */
    static WeightTensor of(GgmlType type, MemorySegment data, int rows, int cols) {
        if (!supports(type)) {
            throw new IllegalArgumentException("unsupported weight type " + type
                    + " (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)");
        }
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("weight shape must be positive, got " + rows + " x " + cols);
        }
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " rows of " + cols + " values are not a whole number of "
                    + type.blockSize() + "-value blocks");
        }
        long expected = type.byteSize(cols) * rows;
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(rows + " x " + cols + " " + type + " needs " + expected
                    + " bytes, the segment has " + data.byteSize());
        }
        return switch (type) {
            case F32 -> new F32Weight(data, rows, cols);
            case F16 -> new F16Weight(data, rows, cols);
            case BF16 -> new BF16Weight(data, rows, cols);
            case Q8_0 -> new Q8_0Weight(data, rows, cols);
            case Q4_0 -> new Q4_0Weight(data, rows, cols);
            case Q4_K -> new Q4_KWeight(data, rows, cols);
            case Q5_K -> new Q5_KWeight(data, rows, cols);
            case Q6_K -> new Q6_KWeight(data, rows, cols);
            default -> throw new AssertionError(type);
        };
    }

    /**
     * Wraps a matrix in MLX's affine group quantization, as mlx-lm stores a quantized layer:
     * {@code packed} is {@code <name>.weight}, uint32 words {@code [rows, cols*bits/32]} holding each
     * row as a little-endian bit stream (value {@code k} at bits {@code [k*bits, (k+1)*bits)});
     * {@code scales} and {@code biases} are {@code [rows, cols/groupSize]} of {@code scaleType}
     * (F16, BF16 or F32); value = scale * q + bias. The segments are used in place, never copied.
     *
     * @throws IllegalArgumentException for bits other than 2, 3, 4, 5, 6, 8, group sizes other than
     *                                  32, 64, 128, another scale type, non-positive shapes, a column
     *                                  count that is not a whole number of groups, or a segment of another size
     */
    static WeightTensor mlx(int rows, int cols, int bits, int groupSize, MemorySegment packed, MemorySegment scales,
                            MemorySegment biases, GgmlType scaleType) {
        return new MlxWeight(MlxLayout.of(rows, cols, bits, groupSize, scaleType), packed, scales, biases);
    }
}
