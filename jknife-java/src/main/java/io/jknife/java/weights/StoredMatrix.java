package io.jknife.java.weights;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * A weight matrix of {@code rows × cols} as a file stores it, before {@link Kernels#linear} wraps
 * it: one block of GGML-typed rows (GGUF, and plain safetensors tensors), or MLX's affine
 * quantization (packed values plus a scale and a bias per group of each row). All segments are
 * slices of memory-mapped files.
 */
public sealed interface StoredMatrix {
    /** The tensor's name, for errors. */
    String name();

    int rows();

    int cols();

    /** GGML-typed rows: {@code rows × type.byteSize(cols)} bytes. */
    record Ggml(String name, GgmlType type, int rows, int cols, MemorySegment data) implements StoredMatrix {
        /** From ggml's dimensions ({@code ne[0]} is cols, {@code ne[1]} rows), refusing higher ranks and overflow. */
        public static Ggml of(String name, GgmlType type, long[] dims, MemorySegment data) throws FormatException {
            for (int i = 2; i < dims.length; i++) {
                if (dims[i] != 1) {
                    throw new FormatException("tensor " + name + " is not a matrix");
                }
            }
            long cols = dims.length > 0 ? dims[0] : 1;
            long rows = dims.length > 1 ? dims[1] : 1;
            if (cols > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) {
                throw new FormatException("tensor " + name + " is too large");
            }
            return new Ggml(name, type, (int) rows, (int) cols, data);
        }
    }

    /**
     * MLX affine quantization ({@code mlx.core.quantize}): {@code packed} holds {@code bits}-bit
     * values as little-endian uint32 words per row, {@code scales} and {@code biases} one
     * {@code scaleType} value per group of {@code groupSize} values; a weight is {@code scale * q + bias}.
     */
    record Mlx(String name, int rows, int cols, int bits, int groupSize, MemorySegment packed,
               MemorySegment scales, MemorySegment biases, GgmlType scaleType) implements StoredMatrix {
    }
}
