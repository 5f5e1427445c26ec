package io.jknife.hub.pull;

import io.jknife.hub.Bytes;
import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;
import io.jknife.hub.api.FileMeta;
import io.jknife.hub.api.HubApi;
import io.jknife.hub.api.RepoFile;
import io.jknife.hub.api.RepoInfo;
import io.jknife.hub.cache.CacheLayout;
import io.jknife.hub.cache.LocalErrors;
import io.jknife.hub.cache.SnapshotLinker;
import io.jknife.hub.http.HubHttp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads a repository revision (or some of its files) into a Hugging Face cache root, in the
 * layout huggingface_hub writes. Two steps so callers can decide in between: {@link #plan} asks
 * the Hub what the revision holds and checks what the cache already has (nothing is written);
 * {@link #execute} fetches the missing blobs in parallel, verified, and only then links the
 * snapshot and writes the ref.
 */
public final class Puller implements AutoCloseable {
    private final HubApi api;
    private final BlobDownloader downloader;
    private final int parallelism;

    public Puller(HubApi api) {
        this(api, d -> Thread.sleep(d.toMillis()));
    }

    /** @param sleeper waits between retries of a dropped download (tests pass one that does not) */
    public Puller(HubApi api, HubHttp.Sleeper sleeper) {
        this.api = api;
        this.downloader = new BlobDownloader(api, api.http().config().retry(), sleeper);
        this.parallelism = api.http().config().parallelism();
    }

    /** Resolves the revision on the Hub and compares its files with the cache under {@code cacheRoot}. */
    public PullPlan plan(Path cacheRoot, PullRequest req) throws HubException {
        return plan(cacheRoot, req, true);
    }

    /**
     * As {@link #plan(Path, PullRequest)}; {@code forWrite = false} skips the writability check
     * (a clone only reads the user's cache).
     */
    public PullPlan plan(Path cacheRoot, PullRequest req, boolean forWrite) throws HubException {
        CacheLayout layout = CacheLayout.of(cacheRoot, req.repoId());
        if (forWrite) {
            checkWritable(layout.repoDir());
        }
        RepoInfo info = api.repoInfo(req.repoId(), req.revisionOrDefault());
        List<RepoFile> selected = FileSelection.select(req.repoId(), info.files(), req.variant(), req.includes(), req.excludes());
        List<PullPlan.PlannedFile> planned = new ArrayList<>();
        for (RepoFile f : selected) {
            String etag = f.etag();
            long size = f.size();
            if (etag == null) {
                FileMeta meta = api.fileMeta(req.repoId(), info.commit(), f.path());
                etag = meta.etag();
                size = meta.size() >= 0 ? meta.size() : size;
            }
            boolean blob = BlobDownloader.present(layout.blob(etag), size);
            boolean linked = blob && SnapshotLinker.linked(layout, info.commit(), f.path(), etag);
            planned.add(new PullPlan.PlannedFile(f, etag, size, blob, linked));
        }
        return new PullPlan(layout, req.revisionOrDefault(), info.commit(), planned);
    }

    /** Fetches what {@code plan} lacks, then publishes the snapshot and the ref. */
    public PullResult execute(PullPlan plan, PullProgress progress) throws HubException {
        CacheLayout layout = plan.layout();
        Map<String, PullPlan.PlannedFile> toFetch = new LinkedHashMap<>();
        for (PullPlan.PlannedFile f : plan.missing()) {
            toFetch.putIfAbsent(f.etag(), f); // two paths with one content share one blob
        }
        checkSpace(layout, toFetch.values());
        long present = plan.files().stream().filter(PullPlan.PlannedFile::blob).mapToLong(f -> Math.max(0, f.size())).sum()
                + toFetch.values().stream().mapToLong(f -> partialLength(layout, f.etag())).sum();
        progress.started(layout.repoId(), plan.files().size(), plan.totalBytes(), present);
        boolean ok = false;
        try {
            for (PullPlan.PlannedFile f : plan.files()) {
                if (f.blob()) {
                    progress.fileFinished(f.file().path(), f.size(), true);
                }
            }
            long downloaded = fetchAll(plan, toFetch, progress);
            List<SnapshotLinker.Link> links = plan.files().stream()
                    .map(f -> new SnapshotLinker.Link(f.file().path(), f.etag())).toList();
            Path snapshot = SnapshotLinker.link(layout, plan.commit(), links);
            SnapshotLinker.writeRef(layout, plan.revision(), plan.commit());
            ok = true;
            return new PullResult(plan.commit(), snapshot, plan.files().size(), plan.totalBytes(), downloaded);
        } finally {
            progress.finished(ok);
        }
    }

    private long fetchAll(PullPlan plan, Map<String, PullPlan.PlannedFile> toFetch, PullProgress progress) throws HubException {
        if (toFetch.isEmpty()) {
            return 0;
        }
        AtomicLong total = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, toFetch.size()), Thread.ofVirtual().factory());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (PullPlan.PlannedFile f : toFetch.values()) {
                futures.add(pool.submit(() -> {
                    String path = f.file().path();
                    progress.fileStarted(path, f.size());
                    long got = downloader.fetch(plan.layout(), plan.commit(),
                            new BlobDownloader.Item(path, f.etag(), f.size()), n -> progress.bytes(path, n));
                    total.addAndGet(got);
                    progress.fileFinished(path, f.size(), false);
                    return null;
                }));
            }
            for (Future<?> fut : futures) {
                try {
                    fut.get();
                } catch (ExecutionException e) {
                    pool.shutdownNow(); // one failure ends the pull; what finished stays for the next run
                    Throwable c = e.getCause();
                    if (c instanceof HubException he) {
                        throw he;
                    }
                    throw new HubException(Kind.LOCAL_IO, 0, "Download failed: " + c, c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    pool.shutdownNow();
                    throw new HubException(Kind.NETWORK, "Download interrupted");
                }
            }
            return total.get();
        } finally {
            pool.shutdownNow();
            try {
                // let cancelled downloads release their locks before the caller goes on
                pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Fails before anything is written when the nearest existing directory above {@code dir} is not writable. */
    static void checkWritable(Path dir) throws HubException {
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null || !Files.isDirectory(p) || !Files.isWritable(p)) {
            throw new HubException(Kind.PERMISSION_DENIED, "Permission denied: cannot write to " + (p == null ? dir : p));
        }
    }

    private static void checkSpace(CacheLayout layout, java.util.Collection<PullPlan.PlannedFile> files) throws HubException {
        long need = 0;
        for (PullPlan.PlannedFile f : files) {
            need += Math.max(0, f.size() - partialLength(layout, f.etag()));
        }
        if (need == 0) {
            return;
        }
        Path p = layout.repoDir().toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            long free = Files.getFileStore(p).getUsableSpace();
            if (need > free) {
                throw new HubException(Kind.DISK_FULL, "Not enough disk space for " + layout.repoId() + ": needs "
                        + Bytes.human(need) + ", " + Bytes.human(free) + " free at " + p);
            }
        } catch (IOException e) {
            if (e instanceof HubException he) {
                throw he;
            }
            throw LocalErrors.of(e, p);
        }
    }

    private static long partialLength(CacheLayout layout, String etag) {
        try {
            Path inc = layout.incomplete(etag);
            return Files.isRegularFile(inc) ? Files.size(inc) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        // nothing held between pulls; AutoCloseable so callers can scope a pull
    }
}
