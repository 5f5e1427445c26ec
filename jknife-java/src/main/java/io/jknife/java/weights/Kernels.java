package io.jknife.java.weights;

import io.jknife.formats.FormatException;
import io.jknife.java.parallel.Parallel;

/**
 * The seam between the transformer and the matrix kernels: wraps mapped tensors as
 * {@link Linear}s, multiplies them, and lends its threads for the rest of the forward pass.
 * One forward pass at a time.
 */
public interface Kernels extends AutoCloseable {

    /** A weight matrix over the stored matrix's mapped bytes; a clear error for layouts these kernels do not run. */
    Linear linear(StoredMatrix m) throws FormatException;

    /**
     * {@code outs[i][t * rows_i + r] = Σ_c W_i[r][c] · x[t * cols + c]} for the {@code n} token
     * rows of {@code x} and every matrix (all with the same column count, which reads the input once).
     */
    void multiply(float[] x, int n, Linear[] ws, float[][] outs);

    /** {@link #multiply(float[], int, Linear[], float[][])} for one matrix. */
    default void multiply(float[] x, int n, Linear w, float[] out) {
        multiply(x, n, new Linear[]{w}, new float[][]{out});
    }

    /**
     * Called once every matrix of a model is wrapped (the model is ready to run): kernels that
     * improve their matrices in the background start that now. Matrices wrapped later are made
     * ready at once.
     */
    default void loaded() {
    }

    /**
     * Waits until the background work on the matrices is done (every product runs at full speed
     * from then on); returns at once when there is none.
     */
    default void awaitBackgroundWork() throws InterruptedException {
    }

    /**
     * Has the JIT compile these kernels before a first prompt (on the calling thread, which the
     * model lends while it waits for requests); returns whether that is worth the model warming the
     * rest of its forward pass up too (false: nothing was done, e.g. for a small model).
     */
    default boolean warmUp() {
        return false;
    }

    /** The threads, for element-wise work and attention. */
    Parallel parallel();

    /** A short name for logs and benchmarks. */
    String name();

    @Override
    void close();
}
