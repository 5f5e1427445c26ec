package io.jknife.hub.progress;

import io.jknife.hub.pull.PullProgress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state shared by the progress renderers: totals, per-file counters, rate and ETA. Updated
 * from download threads, read by the renderer.
 */
class Transfer implements PullProgress {
    /** One file being downloaded. */
    static final class FileState {
        final String path;
        final long size;
        final AtomicLong done = new AtomicLong();

        FileState(String path, long size) {
            this.path = path;
            this.size = size;
        }
    }

    volatile String repoId = "";
    volatile int files;
    volatile long total;
    volatile long present;
    final AtomicLong received = new AtomicLong();
    final AtomicLong filesDone = new AtomicLong();
    volatile long startNanos = System.nanoTime();
    volatile boolean complete;
    private final Map<String, FileState> active = new LinkedHashMap<>();

    @Override
    public void started(String repoId, int files, long totalBytes, long presentBytes) {
        this.repoId = repoId;
        this.files = files;
        this.total = totalBytes;
        this.present = presentBytes;
        this.startNanos = System.nanoTime();
    }

    @Override
    public void fileStarted(String path, long size) {
        synchronized (active) {
            active.put(path, new FileState(path, size));
        }
    }

    @Override
    public void bytes(String path, long n) {
        received.addAndGet(n);
        FileState f;
        synchronized (active) {
            f = active.get(path);
        }
        if (f != null) {
            f.done.addAndGet(n);
        }
    }

    @Override
    public void fileFinished(String path, long size, boolean cached) {
        filesDone.incrementAndGet();
        synchronized (active) {
            active.remove(path);
        }
    }

    @Override
    public void finished(boolean success) {
        complete = success;
    }

    List<FileState> active() {
        synchronized (active) {
            return List.copyOf(active.values());
        }
    }

    long done() {
        return complete ? total : Math.min(total, present + received.get());
    }

    double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Bytes per second received in this run. */
    double rate() {
        double s = seconds();
        return s <= 0 ? 0 : received.get() / s;
    }

    /** Seconds left at the current rate, or -1 when unknown. */
    long eta() {
        double r = rate();
        return r <= 0 ? -1 : (long) Math.ceil((total - done()) / r);
    }
}
