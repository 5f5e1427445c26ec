package io.jknife.hub.cache;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Runs a {@link ContentCheck} on its own thread: buffers already written to disk are queued here
 * and hashed while the next ones arrive and are written (SHA-256 costs about as much CPU as the
 * transfer itself). The queue is bounded, so a slow hash slows the download instead of piling up
 * memory; each hashed buffer is handed to {@code recycle}.
 */
public final class Hasher implements AutoCloseable {
    private static final ByteBuffer STOP = ByteBuffer.allocate(0);

    private final ContentCheck check;
    private final Consumer<ByteBuffer> recycle;
    private final BlockingQueue<ByteBuffer> queue = new ArrayBlockingQueue<>(64);
    private final Thread thread;
    private final Object lock = new Object();
    private long pending;

    public Hasher(ContentCheck check, Consumer<ByteBuffer> recycle) {
        this.check = check;
        this.recycle = recycle;
        this.thread = Thread.ofPlatform().daemon().name("jknife-hash").start(this::run);
    }

    /** Queues a buffer (its content must not change any more); blocks while the queue is full. */
    public void add(ByteBuffer buffer) throws InterruptedException {
        synchronized (lock) {
            pending++;
        }
        queue.put(buffer);
    }

    /** Waits until everything queued is hashed. */
    public void drain() throws InterruptedException {
        synchronized (lock) {
            while (pending > 0) {
                lock.wait();
            }
        }
    }

    private void run() {
        while (true) {
            ByteBuffer b;
            try {
                b = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (b == STOP) {
                return;
            }
            check.update(b);
            recycle.accept(b);
            synchronized (lock) {
                pending--;
                lock.notifyAll();
            }
        }
    }

    @Override
    public void close() {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(STOP);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
