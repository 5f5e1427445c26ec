package io.jknife.java.weights;

import io.jknife.formats.GgmlType;

/**
 * A weight matrix of {@code rows × cols} (a linear layer without bias) as the forward pass sees
 * it: made by {@link Kernels#linear} over mapped memory, multiplied by {@link Kernels#multiply}.
 * Implementations read the weights in their stored type and never copy them to the heap.
 */
public interface Linear {
    int rows();

    int cols();

    GgmlType type();

    /** Row {@code r} as floats into {@code dst[off, off + cols)} (embedding lookups). */
    void row(int r, float[] dst, int off);
}
