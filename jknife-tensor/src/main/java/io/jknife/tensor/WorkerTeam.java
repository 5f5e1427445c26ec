package io.jknife.tensor;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A persistent team of worker threads with cheap barriers (no fork-join task per row); close()
 * stops them. {@link #run} hands one task to every member at once (the calling thread is member
 * 0, so a team of {@code threads} starts {@code threads - 1} threads) and returns when all are done.
 *
 * <p>Idle workers spin for a short while before parking, so the back-to-back dispatches of a
 * forward pass wake them in well under a microsecond, while an idle team costs no CPU. A task that
 * throws in any member is rethrown to the caller of {@link #run} after every member has finished.
 * One dispatch at a time: concurrent callers of {@link #run} are serialized, and a task must not
 * dispatch on its own team (that is an IllegalStateException, not a deadlock).
 */
public final class WorkerTeam implements AutoCloseable {
    /** How long an idle worker spins before it parks. */
    private static final long SPIN_NANOS = 300_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile IntConsumer task;
    private volatile long generation;
    private volatile boolean closed;
    /** The thread inside {@link #run}, while one is. */
    private volatile Thread dispatcher;

    /** A team of {@code threads} members: the caller plus {@code threads - 1} started threads. */
    public WorkerTeam(int threads) {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("threads must be 1..1024, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 1; i < threads; i++) {
            Worker w = new Worker(i);
            workers[i - 1] = w;
            w.thread.start();
        }
    }

    /** A team as large as the CPUs this JVM may use. */
    public static WorkerTeam ofAvailableProcessors() {
        return new WorkerTeam(Runtime.getRuntime().availableProcessors());
    }

    /** Members, the calling thread included. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task.accept(i)} for every member {@code i} in {@code [0, threads())} at once,
     * member 0 on the calling thread, and returns when all have returned.
     *
     * @throws IllegalStateException after {@link #close()}, or when called from a task of this team
     * @throws RuntimeException      (or Error) the first failure of any member, rethrown as is
     */
    public void run(IntConsumer task) {
        Thread me = Thread.currentThread();
        if (dispatcher == me || isWorker(me)) {
            // checked before taking the lock: a worker waiting for it would never return
            throw new IllegalStateException("a worker team task must not dispatch on its own team");
        }
        synchronized (this) {
            dispatcher = me;
            try {
                dispatch(task);
            } finally {
                dispatcher = null;
            }
        }
    }

    private boolean isWorker(Thread t) {
        for (Worker w : workers) {
            if (w.thread == t) {
                return true;
            }
        }
        return false;
    }

    private void dispatch(IntConsumer task) {
        if (closed) {
            throw new IllegalStateException("worker team is closed");
        }
        if (threads == 1) {
            task.accept(0);
            return;
        }
        this.task = task;
        pending.set(threads - 1);
        generation++; // volatile write: publishes task to the workers
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
        try {
            task.accept(0);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        awaitWorkers();
        this.task = null;
        Throwable t = failure.getAndSet(null);
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException("worker failed", t);
        }
    }

    private void awaitWorkers() {
        int spins = 0;
        while (pending.get() != 0) {
            if (++spins < 1 << 14) {
                Thread.onSpinWait();
            } else {
                // a worker lost its CPU (shared machine): stop burning ours
                Thread.yield();
            }
        }
    }

    /** Stops the threads (waiting briefly for them to end). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (this) {
            closed = true;
        }
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
        for (Worker w : workers) {
            try {
                w.thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Whether every started thread has ended (after {@link #close()}). */
    public boolean isTerminated() {
        for (Worker w : workers) {
            if (w.thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    private final class Worker implements Runnable {
        final int index;
        final Thread thread;
        volatile boolean parked;

        Worker(int index) {
            this.index = index;
            this.thread = Thread.ofPlatform().daemon().name("jknife-worker-" + index).unstarted(this);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long g = awaitGeneration(seen);
                if (g < 0) {
                    return;
                }
                seen = g;
                try {
                    task.accept(index);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    pending.decrementAndGet();
                }
            }
        }

        /** The next generation after {@code seen}, or -1 when the team closed. */
        private long awaitGeneration(long seen) {
            long g;
            int spins = 0;
            long spinUntil = 0;
            while ((g = generation) == seen) {
                if (closed) {
                    return -1;
                }
                if ((++spins & 1023) != 0) {
                    Thread.onSpinWait();
                    continue;
                }
                long now = System.nanoTime();
                if (spinUntil == 0) {
                    spinUntil = now + SPIN_NANOS;
                } else if (now > spinUntil) {
                    // Dekker handshake with run(): either it sees parked, or we see the new generation
                    parked = true;
                    if (generation == seen && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
            return g;
        }
    }
}
