package io.jknife.hub.pull;

import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;
import io.jknife.hub.RetryPolicy;
import io.jknife.hub.api.HubApi;
import io.jknife.hub.cache.BlobLock;
import io.jknife.hub.cache.CacheLayout;
import io.jknife.hub.cache.ContentCheck;
import io.jknife.hub.cache.LocalErrors;
import io.jknife.hub.http.HubHttp;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Downloads one blob into the cache the way huggingface_hub does: under the blob's lock file,
 * into {@code blobs/<etag>.incomplete}, resuming from its length with a {@code Range} request
 * (also after a connection drops mid-file, a bounded number of times; progress resets the count),
 * then checks size and hash against the etag, syncs, and renames to {@code blobs/<etag>}. A file
 * that fails the check is deleted, never renamed into place.
 */
final class BlobDownloader {
    private final HubApi api;
    private final RetryPolicy retry;
    private final HubHttp.Sleeper sleeper;

    BlobDownloader(HubApi api, RetryPolicy retry, HubHttp.Sleeper sleeper) {
        this.api = api;
        this.retry = retry;
        this.sleeper = sleeper;
    }

    /** What {@link #fetch} is asked to fetch. */
    record Item(String path, String etag, long size) {
    }

    /** Makes {@code blobs/<etag>} exist and be verified; returns the bytes received over the network. */
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    long fetch(CacheLayout layout, String commit, Item item, LongConsumer progress) throws HubException {
        Path blob = layout.blob(item.etag());
        if (present(blob, item.size())) {
            return 0;
        }
        Path lockFile = layout.lock(item.etag());
        try (BlobLock ignored = BlobLock.acquire(lockFile)) {
            if (present(blob, item.size())) {
                return 0; // another process finished it while we waited for the lock
            }
            Files.deleteIfExists(blob); // a blob of the wrong size is not this file
            return download(layout, commit, item, progress);
        } catch (IOException e) {
            throw LocalErrors.of(e, lockFile);
        }
    }

    static boolean present(Path blob, long size) {
        try {
            return Files.isRegularFile(blob) && (size < 0 || Files.size(blob) == size);
        } catch (IOException e) {
            return false;
        }
    }

    private long download(CacheLayout layout, String commit, Item item, LongConsumer progress) throws HubException {
        Path inc = layout.incomplete(item.etag());
        AtomicLong received = new AtomicLong();
        LongConsumer counted = n -> {
            received.addAndGet(n);
            progress.accept(n);
        };
        try {
            Files.createDirectories(inc.getParent());
        } catch (IOException e) {
            throw LocalErrors.of(e, inc.getParent());
        }
        boolean keep = true;
        try (FileChannel ch = open(inc)) {
            long pos = ch.size();
            long size = item.size();
            if (size >= 0 && pos > size) {
                ch.truncate(0);
                pos = 0;
            }
            ContentCheck check = ContentCheck.forEtag(item.etag(), size);
            check.updateFrom(ch, pos);
            try (BlobWriter w = new BlobWriter(ch, check, pos, item.etag(), item.path(), inc, counted)) {
                int failures = 0;
                IOException lastDrop = null;
                while (size < 0 || pos < size) {
                    long before = pos;
                    HubHttp.Streamed s;
                    try {
                        s = api.stream(layout.repoId(), commit, item.path(), pos, w);
                    } catch (HubException e) {
                        throw w.failure() != null ? w.failure() : e; // a disk error surfaces through the transfer
                    }
                    if (w.failure() != null) {
                        keep = w.failure().kind() != Kind.CHECKSUM; // a lying etag: the bytes so far are suspect too
                        throw w.failure();
                    }
                    pos = w.pos();
                    if (s.bodyError() != null) {
                        lastDrop = s.bodyError();
                    }
                    if (size < 0) {
                        break; // unknown length: the body's end is the file's end
                    }
                    if (pos < size) {
                        failures = pos > before ? 1 : failures + 1; // progress resets the count, as huggingface_hub does
                        if (failures >= retry.attempts()) {
                            throw new HubException(Kind.NETWORK, 0, "Connection to the Hub dropped while downloading "
                                    + item.path() + " (" + pos + " of " + size + " bytes; run the same command again to resume)",
                                    lastDrop);
                        }
                        pause(retry.backoff(failures));
                    }
                }
                w.finish();
                String mismatch = check.mismatch(pos);
                if (mismatch != null) {
                    keep = false;
                    throw new HubException(Kind.CHECKSUM, "Checksum mismatch for " + item.path() + ": " + mismatch
                            + "; the partial download was deleted");
                }
            }
        } catch (IOException e) {
            throw LocalErrors.of(e, inc);
        } finally {
            if (!keep) {
                deleteQuietly(inc);
            }
        }
        try {
            Files.move(inc, layout.blob(item.etag()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw LocalErrors.of(e, layout.blob(item.etag()));
        }
        return received.get();
    }

    private static FileChannel open(Path inc) throws IOException {
        return FileChannel.open(inc, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private void pause(java.time.Duration d) throws HubException {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(Kind.NETWORK, 0, "interrupted", e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort: health reports a leftover .incomplete
        }
    }
}
