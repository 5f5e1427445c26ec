package io.jknife.hub.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The per-blob lock file huggingface_hub uses ({@code .locks/models--org--name/<etag>.lock}):
 * held while a blob is downloaded so two jknife processes never write one blob at once. Threads of
 * one process first queue on an in-memory semaphore (the JVM refuses a second file lock on a file
 * it already locks, with {@code OverlappingFileLockException}). The file is removed on release,
 * so a finished pull leaves no lock file that {@code rm} would mistake for an active download (a
 * killed pull leaves one: that download did not finish).
 */
public final class BlobLock implements AutoCloseable {
    private static final Map<Path, Semaphore> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path file;
    private final Semaphore local;
    private final FileChannel channel;
    private final FileLock lock;

    private BlobLock(Path file, Semaphore local, FileChannel channel, FileLock lock) {
        this.file = file;
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    /** Blocks until the lock is held. */
    public static BlobLock acquire(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        Semaphore local = IN_PROCESS.computeIfAbsent(key, k -> new Semaphore(1));
        try {
            local.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + file);
        }
        FileChannel ch = null;
        try {
            Files.createDirectories(file.getParent());
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new BlobLock(file, local, ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            local.release();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            // Delete while holding the lock: a process waiting on this inode re-checks the blob
            // (which exists by now) after it gets the lock, so it never downloads twice.
            Files.deleteIfExists(file);
        } finally {
            try {
                lock.release();
            } finally {
                try {
                    channel.close();
                } finally {
                    local.release();
                }
            }
        }
    }
}
