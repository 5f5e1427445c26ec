package io.jknife.java.weights;

/**
 * A weight matrix of {@code rows × cols} (a linear layer without bias) as the forward pass sees
 * it: made by {@link Kernels#linear} over mapped memory, multiplied by {@link Kernels#multiply}.
 * Implementations read the weights in their stored type and never copy them to the heap.
 */
public interface Linear {
    int rows();

    int cols();

    /** The stored type, e.g. {@code Q4_0} or {@code MLX_Q4_G64}. */
    String typeName();

    /** Row {@code r} as floats into {@code dst[off, off + cols)} (embedding lookups). */
    void row(int r, float[] dst, int off);
}
