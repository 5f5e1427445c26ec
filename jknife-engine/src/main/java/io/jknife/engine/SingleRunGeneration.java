package io.jknife.engine;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every engine's {@link Generation} shares: it runs once, {@link #cancel()} works from any
 * thread (also before {@link #stream}), and interrupting the thread that streams counts as a cancel.
 * Engines call {@link #startRun()} first in {@code stream} and {@link #endRun()} when it ends, and
 * poll {@link #stopRequested()} between tokens.
 */
public abstract class SingleRunGeneration implements Generation {
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean cancelled;
    private volatile Thread thread;

    @Override
    public void cancel() {
        cancelled = true;
    }

    /** True once {@link #cancel()} was called or the thread running {@link #stream} was interrupted. */
    public final boolean stopRequested() {
        Thread t = thread;
        return cancelled || (t != null && t.isInterrupted());
    }

    /**
     * Marks the calling thread as the one running this generation.
     *
     * @throws IllegalStateException when the generation already ran
     */
    protected final void startRun() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("this generation was already run");
        }
        thread = Thread.currentThread();
    }

    /** The run is over: interrupts of the former thread no longer count. */
    protected final void endRun() {
        thread = null;
    }
}
