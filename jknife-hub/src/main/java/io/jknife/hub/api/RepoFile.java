package io.jknife.hub.api;

/**
 * One file of a repository revision as the Hub lists it.
 *
 * @param path      path inside the repository, {@code /}-separated
 * @param size      size in bytes, or -1 when the listing does not say
 * @param blobId    the git blob id (sha1 of the file, or of its LFS pointer), or null
 * @param lfsSha256 the LFS object id (sha256 of the content) for LFS files, else null
 */
public record RepoFile(String path, long size, String blobId, String lfsSha256) {

    public boolean lfs() {
        return lfsSha256 != null;
    }

    /**
     * The name huggingface_hub gives the file's blob in the cache: the sha256 for LFS files, the
     * git blob id otherwise; null when the listing carries neither (a HEAD request then tells).
     */
    public String etag() {
        return lfsSha256 != null ? lfsSha256 : blobId;
    }

    /** The file name without directories. */
    public String name() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
