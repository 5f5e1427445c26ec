package io.jknife.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The thread behind an engine's parallel slots: requests queue in arrival order, the thread takes
 * them into free slots, runs steps while any slot is busy and sleeps while none is. An engine says
 * how a request claims a slot and starts in it, what a step does and how requests end; this class
 * owns the queue, the thread (started on the first request) and their shutdown.
 *
 * @param <R> a request
 * @param <S> a slot
 */
public abstract class SlotLoop<R, S> {
    private final String threadName;
    private final String closedMessage;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<R> waiting = new ArrayDeque<>(); // guarded by lock
    private boolean shutdown; // guarded by lock
    private Thread thread; // guarded by lock

    /** {@code closedMessage}: what {@link #submit} says after {@link #shutdown}. */
    protected SlotLoop(String threadName, String closedMessage) {
        this.threadName = threadName;
        this.closedMessage = closedMessage;
    }

    /**
     * Queues a request; the engine ends it through its own channel (its outbox).
     *
     * @throws IllegalStateException after {@link #shutdown}
     */
    public final void submit(R r) {
        lock.lock();
        try {
            if (shutdown) {
                throw new IllegalStateException(closedMessage);
            }
            waiting.add(r);
            if (thread == null) {
                thread = Thread.ofPlatform().daemon().name(threadName).start(this::loop);
            }
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the thread once no request is left (the caller made sure of that) and waits for it. */
    public final void shutdown() {
        Thread t;
        lock.lock();
        try {
            shutdown = true;
            work.signal();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != Thread.currentThread()) {
            Threads.joinUninterruptibly(t);
        }
    }

    /** Sleeps up to {@code nanos} or until a request arrives: for a step with nothing to run (every slot waits for its consumer). */
    protected final void throttled(long nanos) {
        lock.lock();
        try {
            work.awaitNanos(nanos);
        } catch (InterruptedException e) {
            // nothing interrupts this thread; the next step looks at the slots again
        } finally {
            lock.unlock();
        }
    }

    /** Whether every slot is free (the thread's own state). */
    protected abstract boolean idle();

    /** Whether a waiting request wants to stop. */
    protected abstract boolean wantsStop(R r);

    /** Ends a request that stopped while it waited. */
    protected abstract void dropWaiting(R r);

    /**
     * Takes a free slot for {@code r} and gives it the request, or returns null when none is free.
     * Runs under the queue's lock: choose and mark, nothing slow.
     */
    protected abstract S claim(R r);

    /** Starts the request in the slot just claimed for it. */
    protected abstract void start(S slot);

    /** One step of every busy slot. */
    protected abstract void step();

    /** A start or a step failed unexpectedly: every running request ends with it. */
    protected abstract void failAll(Throwable t);

    private void loop() {
        while (true) {
            List<S> admitted = new ArrayList<>();
            List<R> dropped = new ArrayList<>();
            lock.lock();
            try {
                while (!shutdown && waiting.isEmpty() && idle()) {
                    work.awaitUninterruptibly();
                }
                if (shutdown && waiting.isEmpty() && idle()) {
                    return;
                }
                waiting.removeIf(r -> wantsStop(r) && dropped.add(r));
                while (!waiting.isEmpty()) {
                    S s = claim(waiting.peek());
                    if (s == null) {
                        break;
                    }
                    waiting.poll();
                    admitted.add(s);
                }
            } finally {
                lock.unlock();
            }
            try {
                dropped.forEach(this::dropWaiting);
                admitted.forEach(this::start);
                step();
            } catch (Throwable t) {
                failAll(t);
            }
        }
    }
}
