package io.jknife.hub.pull;

import io.jknife.hub.api.RepoFile;
import io.jknife.hub.cache.CacheLayout;

import java.util.List;

/**
 * A pull worked out against the Hub and the local cache, before anything is written.
 *
 * @param layout   the repository's place in the cache root
 * @param revision the revision asked for
 * @param commit   the commit it resolved to
 * @param files    the selected files with their etags and local state
 */
public record PullPlan(CacheLayout layout, String revision, String commit, List<PlannedFile> files) {

    /**
     * One file to have in the snapshot.
     *
     * @param file    as listed by the Hub
     * @param etag    the blob name
     * @param size    bytes, or -1 when unknown
     * @param blob    the blob is already in the cache (verified when it was written)
     * @param linked  the snapshot already links it
     */
    public record PlannedFile(RepoFile file, String etag, long size, boolean blob, boolean linked) {
    }

    public PullPlan {
        files = List.copyOf(files);
    }

    /** Every selected file is already linked into {@code snapshots/<commit>}: nothing to do. */
    public boolean complete() {
        return files.stream().allMatch(PlannedFile::linked);
    }

    /** Bytes of the selected files. */
    public long totalBytes() {
        return files.stream().mapToLong(f -> Math.max(0, f.size())).sum();
    }

    /** Files whose blob still has to be fetched. */
    public List<PlannedFile> missing() {
        return files.stream().filter(f -> !f.blob()).toList();
    }
}
