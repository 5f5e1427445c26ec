package io.jknife.hub.clone;

/**
 * A finished clone.
 *
 * @param commit          the snapshot cloned
 * @param source          {@code hub} (downloaded for this clone) or {@code cache} (copied from the Hugging Face cache)
 * @param files           files in the workspace (without the sentinel)
 * @param bytes           their size
 * @param downloadedBytes bytes received over the network
 * @param copyMethod      {@code reflink}, {@code hardlink}, {@code move}, {@code copy} or {@code mixed}
 * @param contentHash     the workspace's content hash v2, or null when it could not be computed
 */
public record CloneResult(String commit, String source, int files, long bytes, long downloadedBytes, String copyMethod,
                          String contentHash) {
}
