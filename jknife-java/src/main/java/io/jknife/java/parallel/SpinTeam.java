package io.jknife.java.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent team of worker threads with a cheap hand-off: the caller publishes a task, the
 * workers (spinning briefly, then parked) take chunks of it from a shared counter, and the caller
 * works too and spins until the last chunk is done. No allocation and no fork-join task per call;
 * a decode step makes a few hundred of these hand-offs.
 */
public final class SpinTeam implements Parallel {
    /** Spins before a waiting worker parks: long enough to bridge the gap between two kernels of one token. */
    private static final int SPINS = 1 << 16;

    private final int threads;
    private final Thread[] workers;
    private final AtomicIntegerArray parked;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger busy = new AtomicInteger();
    private volatile int epoch;
    private volatile boolean closed;
    private volatile RangeTask task;
    private volatile int n;
    private volatile int grain;
    private volatile Throwable failure;

    public SpinTeam(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.parked = new AtomicIntegerArray(threads - 1);
        for (int i = 0; i < workers.length; i++) {
            int id = i;
            workers[i] = Thread.ofPlatform().daemon().name("jknife-java-worker-" + (i + 1)).unstarted(() -> work(id));
            workers[i].start();
        }
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public void range(int n, int grain, RangeTask task) {
        if (n <= 0) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("the worker team is closed");
        }
        if (workers.length == 0 || n <= grain) {
            task.run(0, n);
            return;
        }
        this.task = task;
        this.n = n;
        this.grain = Math.max(1, grain);
        this.failure = null;
        next.set(0);
        busy.set(workers.length);
        epoch++; // publishes the fields above
        for (int i = 0; i < workers.length; i++) {
            if (parked.get(i) != 0) {
                LockSupport.unpark(workers[i]);
            }
        }
        Throwable mine = null;
        try {
            chunks(task, n, this.grain);
        } catch (Throwable t) {
            mine = t;
        }
        while (busy.get() != 0) {
            Thread.onSpinWait();
        }
        this.task = null;
        Throwable t = mine != null ? mine : failure;
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }

    private void chunks(RangeTask task, int n, int grain) {
        int from;
        while ((from = next.getAndAdd(grain)) < n) {
            task.run(from, Math.min(n, from + grain));
        }
    }

    private void work(int id) {
        int seen = 0;
        while (true) {
            int spins = 0;
            while (epoch == seen && !closed) {
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    parked.set(id, 1);
                    if (epoch == seen && !closed) {
                        LockSupport.park(this);
                    }
                    parked.set(id, 0);
                }
            }
            if (closed) {
                return;
            }
            seen = epoch;
            try {
                chunks(task, n, grain);
            } catch (Throwable t) {
                failure = t;
            } finally {
                busy.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
