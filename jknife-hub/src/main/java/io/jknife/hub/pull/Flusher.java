package io.jknife.hub.pull;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;

/**
 * Pushes written data to disk in the background while a download goes on, so the final
 * {@code fsync} before the blob is renamed into place only has the tail left to write (a 1 GB
 * file otherwise waits half a second or more at the end).
 */
final class Flusher {
    private static final long EVERY = 128L << 20;

    private final FileChannel ch;
    private long lastStart;
    private CompletableFuture<Void> running = CompletableFuture.completedFuture(null);

    Flusher(FileChannel ch, long start) {
        this.ch = ch;
        this.lastStart = start;
    }

    /** Called with the file length after each write; starts a background flush every 128 MB. */
    synchronized void written(long length) {
        if (length - lastStart >= EVERY && running.isDone()) {
            lastStart = length;
            running = CompletableFuture.runAsync(() -> {
                try {
                    ch.force(false);
                } catch (IOException e) {
                    // the final force reports any real problem
                }
            }, r -> Thread.ofVirtual().start(r));
        }
    }

    /** Waits for a background flush, then syncs everything. */
    void finish() throws IOException {
        CompletableFuture<Void> r;
        synchronized (this) {
            r = running;
        }
        r.join();
        ch.force(true);
    }
}
