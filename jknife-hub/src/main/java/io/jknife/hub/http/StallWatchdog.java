package io.jknife.hub.http;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Aborts transfers that stop receiving bytes: the JDK client times out waiting for headers, but a
 * body that stalls forever would hang a pull. A watched transfer whose byte count has not moved
 * for {@code stall} gets its stream closed, which makes the blocked read fail and the download
 * resume on a fresh connection.
 */
final class StallWatchdog implements AutoCloseable {
    private final Duration stall;
    private final Set<Watch> active = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;

    StallWatchdog(Duration stall) {
        this.stall = stall;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jknife-stall-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, stall.toMillis() / 4);
        timer.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    /** One watched transfer; {@link #progress} on every chunk, {@link #close} when done. */
    final class Watch implements AutoCloseable {
        private final Closeable stream;
        private final AtomicLong last = new AtomicLong(System.nanoTime());
        private volatile boolean stalled;

        private Watch(Closeable stream) {
            this.stream = stream;
        }

        void progress() {
            last.set(System.nanoTime());
        }

        boolean stalled() {
            return stalled;
        }

        @Override
        public void close() {
            active.remove(this);
        }
    }

    Watch watch(Closeable stream) {
        Watch w = new Watch(stream);
        active.add(w);
        return w;
    }

    private void check() {
        long now = System.nanoTime();
        for (Watch w : active) {
            if (now - w.last.get() > stall.toNanos()) {
                w.stalled = true;
                active.remove(w);
                try {
                    w.stream.close();
                } catch (IOException | RuntimeException e) {
                    // the read fails either way
                }
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
