package io.jknife.hub.pull;

import java.nio.file.Path;

/**
 * A finished pull.
 *
 * @param commit          the snapshot's commit
 * @param snapshot        {@code snapshots/<commit>}
 * @param files           files in the selection
 * @param totalBytes      their size
 * @param downloadedBytes bytes received over the network in this run
 */
public record PullResult(String commit, Path snapshot, int files, long totalBytes, long downloadedBytes) {
}
