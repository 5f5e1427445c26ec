package io.jknife.java.parallel;

/**
 * Splits index ranges across threads. The forward pass hands its element-wise work, attention
 * and (in the fallback kernels) matrix rows to one of these; {@link #range} returns when every
 * index was processed.
 */
public interface Parallel extends AutoCloseable {

    /** Work on the indexes {@code [from, to)}. */
    @FunctionalInterface
    interface RangeTask {
        void run(int from, int to);
    }

    /** Threads that work, the caller included. */
    int threads();

    /** Runs {@code task} over {@code [0, n)} in chunks of at least {@code grain} indexes, on every thread of the team. */
    void range(int n, int grain, RangeTask task);

    /** {@link #range(int, int, RangeTask)} with chunks sized for the team. */
    default void range(int n, RangeTask task) {
        range(n, Math.max(1, n / (threads() * 4)), task);
    }

    @Override
    void close();
}
